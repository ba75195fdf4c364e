using SongGen.Model.Codes;
using SongGen.Model.Composite;
using SongGen.Model.Config;
using SongGen.Model.Decoder;
using TorchSharp;
using static TorchSharp.torch;

namespace SongGen.Model.Generation;

/// <summary>Result of <see cref="SongGenGenerator.Generate(SongGenForCausalLM, SongGenConditioning, GenerationConfig, long, int?)"/>.</summary>
/// <param name="RawIds">(B·K, L) the raw sampled ids, BOS column first (not delay-masked), L ≤ max length.</param>
/// <param name="DelayedIds">(B·K, L) the raw ids with the delay pattern applied (what the decoder saw / the reference's output).</param>
/// <param name="Frames">(B, K, L−K) the un-delayed frames, special ids included.</param>
/// <param name="Codes">Per item, (K, F_b) the frames whose K ids are all &lt; 1024 (the codes the codec decodes).</param>
/// <param name="Steps">Decoding steps run (L − 1).</param>
public sealed record SongGenGenerationOutput(Tensor RawIds, Tensor DelayedIds, Tensor Frames, IReadOnlyList<Tensor> Codes, int Steps) : IDisposable
{
    /// <summary>(B, K, F) when every item kept the same number of frames; otherwise throws.</summary>
    public Tensor StackedCodes()
    {
        if (Codes.Select(c => c.shape[1]).Distinct().Count() > 1)
            throw new InvalidOperationException("the items kept different numbers of frames; use Codes");
        return stack(Codes, 0);
    }

    public void Dispose()
    {
        RawIds.Dispose();
        DelayedIds.Dispose();
        Frames.Dispose();
        foreach (var c in Codes) c.Dispose();
    }
}

/// <summary>
/// Autoregressive generation of the single-track patterns (mixed, mixed_pro) as the reference's <c>generate</c> with
/// transformers' sampling loop: a BOS start per codebook, the delay pattern built for the generation max length and
/// applied to the raw ids before every step, the decoder run one step at a time with the self-attention KV cache
/// (cross-attention K/V computed at the first step and reused), the codebook EOS processor on the raw ids, then the
/// warpers and sampling (or argmax), finished rows forced to PAD, stop when every row has emitted EOS or the
/// sequence reaches the max length; finally the delay is undone and frames with any id ≥ 1024 are dropped.
/// </summary>
public static class SongGenGenerator
{
    /// <summary>Generates with the composite model's decoder; see <see cref="Generate(SongGenForCausalLM, SongGenConditioning, GenerationConfig, long, int?)"/>.</summary>
    public static SongGenGenerationOutput Generate(SongGenMixedForConditionalGeneration model, SongGenConditioning conditioning, GenerationConfig config, long seed, int? maxNewTokens = null) =>
        Generate(model.Decoder, conditioning, config, seed, maxNewTokens);

    /// <summary>
    /// Generates codes for the B items of <paramref name="conditioning"/> (memory (B, M, H), mask (B, M)).
    /// The max length (BOS column included) is <c>1 + maxNewTokens</c> when given, else <c>1 + max_new_tokens</c>
    /// of the config when set, else <c>max_length</c>. <c>use_cache</c> false recomputes the whole delayed sequence
    /// each step (slow; for checking). Selection runs on the CPU; sampling draws from a CPU <see cref="Generator"/> seeded with
    /// <paramref name="seed"/>, so equal seeds give equal codes.
    /// </summary>
    public static SongGenGenerationOutput Generate(SongGenForCausalLM model, SongGenConditioning conditioning, GenerationConfig config, long seed, int? maxNewTokens = null)
    {
        var pattern = model.Config.TrackPattern;
        if (pattern.IsDualTrack())
            throw new NotSupportedException($"track pattern {pattern.ToHfName()}: only the single-track patterns (mixed, mixed_pro) are generated here");
        if (config.NumBeams != 1) throw new NotSupportedException("beam search is not supported");
        if (config.NumReturnSequences != 1) throw new NotSupportedException("num_return_sequences > 1 is not supported");

        int k = model.NumStreams;
        long bos = config.DecoderStartTokenId ?? config.BosTokenId ?? model.BosTokenId;
        long pad = config.PadTokenId ?? model.PadTokenId;
        long eos = config.EosTokenId ?? model.Config.EosTokenId ?? SpecialTokens.Eos;
        long maxLength = MaxLength(config, maxNewTokens);
        if (maxLength < 2) throw new ArgumentException($"max length {maxLength} leaves no room for a generated token");

        var memory = conditioning.HiddenStates;
        var memoryMask = conditioning.AttentionMask;
        long batch = memory.shape[0];
        long rows = batch * k;
        var device = memory.device;

        bool wasTraining = model.training;
        model.eval();
        using var noGrad = no_grad();
        using var outer = NewDisposeScope();

        var start = full(new[] { rows, 1L }, bos, ScalarType.Int64, device: device);
        var (_, delayPattern) = DelayPattern.Build(start, bos, pad, maxLength, k);
        var raw = start.clone();
        var unfinished = ones(rows, ScalarType.Bool, device: device);
        var eosProcessor = new CodebookEosLogitsProcessor(eos, k, (int)batch, pattern);
        using var generator = new Generator((ulong)seed, CPU);

        IReadOnlyList<LayerKeyValues>? past = null;
        int steps = 0;
        try
        {
            while (true)
            {
                using var step = NewDisposeScope();
                long t = raw.shape[1];
                var delayed = DelayPattern.Apply(raw, delayPattern);
                Tensor logits;
                if (config.UseCache)
                {
                    var x = delayed[TensorIndex.Colon, TensorIndex.Slice(t - 1, t)];
                    var output = model.Forward(x, memory, memoryMask, pastKeyValues: past, useCache: true);
                    var presents = output.PresentKeyValues!;
                    foreach (var p in presents)
                    {
                        p.Self.Key.DetachFromDisposeScope();
                        p.Self.Value.DetachFromDisposeScope();
                        if (past is null)
                        {
                            p.Cross.Key.DetachFromDisposeScope();
                            p.Cross.Value.DetachFromDisposeScope();
                        }
                    }
                    if (past is not null) DisposeSelf(past);
                    past = presents;
                    logits = output.Logits[TensorIndex.Colon, TensorIndex.Single(-1)];
                }
                else
                {
                    var output = model.Forward(delayed, memory, memoryMask);
                    logits = output.Logits[TensorIndex.Colon, TensorIndex.Single(-1)];
                }

                var scores = eosProcessor.Process(raw, logits.to_type(ScalarType.Float32));
                // Selection runs on the CPU so that a seed gives the same draws whatever the model's device.
                var next = LogitsWarpers.SelectNextTokens(scores.cpu(), config, generator).to(device);
                next = where(unfinished, next, tensor(pad, device: device));
                var newRaw = cat(new[] { raw, next.unsqueeze(1) }, 1);
                var newUnfinished = unfinished.logical_and(next.ne(eos));
                newRaw.MoveToOuterDisposeScope();
                newUnfinished.MoveToOuterDisposeScope();
                raw.Dispose();
                unfinished.Dispose();
                raw = newRaw;
                unfinished = newUnfinished;
                steps++;
                if (!unfinished.any().item<bool>() || raw.shape[1] >= maxLength) break;
            }
        }
        finally
        {
            if (past is not null)
            {
                DisposeSelf(past);
                foreach (var p in past) { p.Cross.Key.Dispose(); p.Cross.Value.Dispose(); }
            }
            if (wasTraining) model.train();
        }

        var delayedOut = DelayPattern.Apply(raw, delayPattern);
        var frames = DelayPattern.UndoDelayed(delayedOut, k, bos, pad);
        var codes = new List<Tensor>((int)batch);
        for (long b = 0; b < batch; b++)
        {
            var item = frames[b];                                        // (K, F)
            var keep = item.lt(SpecialTokens.CodebookSize).all(0);       // (F,)
            codes.Add(item.index_select(1, keep.nonzero().view(-1)).MoveToOuterDisposeScope());
        }
        return new SongGenGenerationOutput(raw.MoveToOuterDisposeScope(), delayedOut.MoveToOuterDisposeScope(), frames.MoveToOuterDisposeScope(), codes, steps);
    }

    /// <summary>The total sequence length (BOS column included) a call generates up to.</summary>
    public static long MaxLength(GenerationConfig config, int? maxNewTokens = null)
    {
        if (maxNewTokens is { } n) return 1L + n;
        if (config.MaxNewTokens is { } m) return 1L + m;
        return config.MaxLength;
    }

    private static void DisposeSelf(IReadOnlyList<LayerKeyValues> cache)
    {
        foreach (var p in cache)
        {
            p.Self.Key.Dispose();
            p.Self.Value.Dispose();
        }
    }
}
