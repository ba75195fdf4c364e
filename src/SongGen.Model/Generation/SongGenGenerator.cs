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
/// <param name="StepLogits">When requested, per step the decoder's float32 logits (B·K, V) of the newest position, before the
/// EOS processor and the warpers; null otherwise.</param>
public sealed record SongGenGenerationOutput(Tensor RawIds, Tensor DelayedIds, Tensor Frames, IReadOnlyList<Tensor> Codes, int Steps, IReadOnlyList<Tensor>? StepLogits = null) : IDisposable
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
        if (StepLogits is not null) foreach (var l in StepLogits) l.Dispose();
    }
}

/// <summary>Result of <see cref="SongGenGenerator.GenerateDualTrack(SongGenForCausalLM, SongGenConditioning, GenerationConfig, long, int?, bool)"/>.</summary>
/// <param name="RawIds">(B·K′, L) the raw sampled ids, BOS column first (not delay-masked), L ≤ max length; K′ = 8 for
/// interleaving, 16 for parallel patterns.</param>
/// <param name="DelayedIds">(B·K′, L) the raw ids with the combined delay pattern applied.</param>
/// <param name="AccompanimentFrames">(B, K, F) the accompaniment frames after undoing the delay, special ids included.</param>
/// <param name="VocalFrames">(B, K, F) the vocal frames, aligned with the accompaniment frames.</param>
/// <param name="AccompanimentCodes">Per item, (K, F_b) the accompaniment frames whose K ids are all &lt; 1024.</param>
/// <param name="VocalCodes">Per item, (K, F_b) the vocal frames whose K ids are all &lt; 1024 (dropped independently of the accompaniment).</param>
/// <param name="Steps">Decoding steps run (L − 1).</param>
/// <param name="StepLogits">When requested, per step the decoder's float32 logits (B·K′, V) of the newest position, before the
/// EOS processor and the warpers; null otherwise.</param>
public sealed record SongGenDualTrackGenerationOutput(
    Tensor RawIds,
    Tensor DelayedIds,
    Tensor AccompanimentFrames,
    Tensor VocalFrames,
    IReadOnlyList<Tensor> AccompanimentCodes,
    IReadOnlyList<Tensor> VocalCodes,
    int Steps,
    IReadOnlyList<Tensor>? StepLogits = null) : IDisposable
{
    /// <summary>Per item, the codes of one track.</summary>
    public IReadOnlyList<Tensor> CodesOf(AudioTrack track) => track == AudioTrack.Accompaniment ? AccompanimentCodes : VocalCodes;

    public void Dispose()
    {
        RawIds.Dispose();
        DelayedIds.Dispose();
        AccompanimentFrames.Dispose();
        VocalFrames.Dispose();
        foreach (var c in AccompanimentCodes) c.Dispose();
        foreach (var c in VocalCodes) c.Dispose();
        if (StepLogits is not null) foreach (var l in StepLogits) l.Dispose();
    }
}

/// <summary>
/// Autoregressive generation as the reference's <c>generate</c> with transformers' sampling loop: a BOS start per
/// decoder row, the delay pattern built for the generation max length and applied to the raw ids before every step,
/// the decoder run one step at a time with the self-attention KV cache (cross-attention K/V computed at the first step
/// and reused), the codebook EOS processor on the raw ids, then the warpers and sampling (or argmax), finished rows
/// forced to PAD, stop when every row has emitted EOS or the sequence reaches the max length; finally the delay is
/// undone and frames with any id ≥ 1024 are dropped. Outputs are on the CPU. <see cref="Generate(SongGenForCausalLM, SongGenConditioning, GenerationConfig, long, int?, bool)"/>
/// runs the single-track patterns (mixed, mixed_pro); <see cref="GenerateDualTrack(SongGenForCausalLM, SongGenConditioning, GenerationConfig, long, int?, bool)"/>
/// the dual-track ones (parallel_*, interleaving_*), which return an accompaniment and a vocal code stream.
/// </summary>
public static class SongGenGenerator
{
    /// <summary>Generates with the composite model's decoder; see <see cref="Generate(SongGenForCausalLM, SongGenConditioning, GenerationConfig, long, int?, bool)"/>.</summary>
    public static SongGenGenerationOutput Generate(SongGenMixedForConditionalGeneration model, SongGenConditioning conditioning, GenerationConfig config, long seed, int? maxNewTokens = null, bool keepStepLogits = false) =>
        Generate(model.Decoder, conditioning, config, seed, maxNewTokens, keepStepLogits);

    /// <summary>Generates with the composite model's decoder; see <see cref="GenerateDualTrack(SongGenForCausalLM, SongGenConditioning, GenerationConfig, long, int?, bool)"/>.</summary>
    public static SongGenDualTrackGenerationOutput GenerateDualTrack(SongGenMixedForConditionalGeneration model, SongGenConditioning conditioning, GenerationConfig config, long seed, int? maxNewTokens = null, bool keepStepLogits = false) =>
        GenerateDualTrack(model.Decoder, conditioning, config, seed, maxNewTokens, keepStepLogits);

    /// <summary>
    /// Generates codes of a single-track model (mixed, mixed_pro) for the B items of <paramref name="conditioning"/>
    /// (memory (B, M, H), mask (B, M)).
    /// The max length (BOS column included) is <c>1 + maxNewTokens</c> when given, else <c>1 + max_new_tokens</c>
    /// of the config when set, else <c>max_length</c>. <c>use_cache</c> false recomputes the whole delayed sequence
    /// each step (slow; for checking). Selection runs on the CPU; sampling draws from a CPU <see cref="Generator"/> seeded with
    /// <paramref name="seed"/>, so equal seeds give equal codes. <paramref name="keepStepLogits"/> keeps every step's logits
    /// (for checking the cache against a full forward).
    /// </summary>
    public static SongGenGenerationOutput Generate(SongGenForCausalLM model, SongGenConditioning conditioning, GenerationConfig config, long seed, int? maxNewTokens = null, bool keepStepLogits = false)
    {
        var pattern = model.Config.TrackPattern;
        if (pattern.IsDualTrack())
            throw new NotSupportedException($"track pattern {pattern.ToHfName()} is dual-track: use {nameof(GenerateDualTrack)}, which returns an accompaniment and a vocal stream");
        var tokens = Tokens.Of(model, config);
        long maxLength = CheckedMaxLength(config, maxNewTokens);
        int k = model.NumStreams;
        long batch = conditioning.HiddenStates.shape[0];

        using var outer = NewDisposeScope();
        var start = full(new[] { batch * k, 1L }, tokens.Bos, ScalarType.Int64);
        var (_, delayPattern) = DelayPattern.Build(start, tokens.Bos, tokens.Pad, maxLength, k);
        var eosProcessor = new CodebookEosLogitsProcessor(tokens.Eos, k, (int)batch, pattern);
        var run = Sample(model, conditioning, config, seed, start, delayPattern, eosProcessor, tokens, maxLength, keepStepLogits);

        // post-processing on the CPU, where the patterns live
        var raw = run.Raw.cpu();
        var delayedOut = DelayPattern.Apply(raw, delayPattern);
        var frames = DelayPattern.UndoDelayed(delayedOut, k, tokens.Bos, tokens.Pad);
        var codes = RegularFrames(frames);
        return new SongGenGenerationOutput(raw.MoveToOuterDisposeScope(), delayedOut.MoveToOuterDisposeScope(), frames.MoveToOuterDisposeScope(), codes, run.Steps, MoveOut(run.StepLogits));
    }

    /// <summary>
    /// Generates codes of a dual-track model (parallel_std, parallel_A_V, parallel_V_A, interleaving_A_V,
    /// interleaving_V_A) as the reference's dual-track <c>generate</c>: the start input is one BOS column over the K′
    /// decoder rows (8 for interleaving, 16 for parallel); the delay pattern is the combined one
    /// (<see cref="DualTrackPatterns.BuildCombinedDelayPattern"/> of both tracks with max length M, so 2M−1 columns for
    /// interleaving of which a run uses the first M); the EOS processor runs on the K′ rows (two chains of K per item for
    /// parallel patterns); generation stops when every row has ended or the raw length reaches M. The output is
    /// undone with <see cref="DualTrackPatterns.UndoGeneration"/> and split into the accompaniment and vocal frames; each
    /// track keeps its frames whose K ids are all &lt; 1024. Max length, cache, seeding and
    /// <paramref name="keepStepLogits"/> as in <see cref="Generate(SongGenForCausalLM, SongGenConditioning, GenerationConfig, long, int?, bool)"/>.
    /// M is that effective max length for the pattern too; the reference's dual-track generate builds its pattern from
    /// <c>max_length</c> even when <c>max_new_tokens</c> is set, so the two agree whenever <c>max_new_tokens</c> is unset
    /// (as in the released generation configs).
    /// </summary>
    public static SongGenDualTrackGenerationOutput GenerateDualTrack(SongGenForCausalLM model, SongGenConditioning conditioning, GenerationConfig config, long seed, int? maxNewTokens = null, bool keepStepLogits = false)
    {
        var pattern = model.Config.TrackPattern;
        if (!pattern.IsDualTrack())
            throw new NotSupportedException($"track pattern {pattern.ToHfName()} is single-track: use {nameof(Generate)}");
        int k = model.Config.NumCodebooks;
        int streams = model.NumStreams;
        if (streams != pattern.NumStreams(k))
            throw new ArgumentException($"track pattern {pattern.ToHfName()} with {k} codebooks needs {pattern.NumStreams(k)} heads, the model has {streams}");
        var tokens = Tokens.Of(model, config);
        long maxLength = CheckedMaxLength(config, maxNewTokens);
        long batch = conditioning.HiddenStates.shape[0];

        using var outer = NewDisposeScope();
        var trackStart = full(new[] { batch, (long)k, 1L }, tokens.Bos, ScalarType.Int64);
        var (startIds, delayPattern) = DualTrackPatterns.BuildCombinedDelayPattern(trackStart, trackStart, pattern, tokens.Bos, tokens.Pad, maxLength, k);
        var eosProcessor = new CodebookEosLogitsProcessor(tokens.Eos, streams, (int)batch, pattern);
        var run = Sample(model, conditioning, config, seed, startIds, delayPattern, eosProcessor, tokens, maxLength, keepStepLogits);

        // post-processing on the CPU, where the patterns live
        var raw = run.Raw.cpu();
        var delayedOut = DelayPattern.Apply(raw, delayPattern);
        var (acc, vocal) = DualTrackPatterns.UndoGeneration(raw, delayPattern, pattern, k, tokens.Bos, tokens.Pad);
        var accCodes = RegularFrames(acc);
        var vocalCodes = RegularFrames(vocal);
        return new SongGenDualTrackGenerationOutput(
            raw.MoveToOuterDisposeScope(), delayedOut.MoveToOuterDisposeScope(),
            acc.MoveToOuterDisposeScope(), vocal.MoveToOuterDisposeScope(), accCodes, vocalCodes, run.Steps, MoveOut(run.StepLogits));
    }

    /// <summary>The total sequence length (BOS column included) a call generates up to.</summary>
    public static long MaxLength(GenerationConfig config, int? maxNewTokens = null)
    {
        if (maxNewTokens is { } n) return 1L + n;
        if (config.MaxNewTokens is { } m) return 1L + m;
        return config.MaxLength;
    }

    private static long CheckedMaxLength(GenerationConfig config, int? maxNewTokens)
    {
        if (config.NumBeams != 1) throw new NotSupportedException("beam search is not supported");
        if (config.NumReturnSequences != 1) throw new NotSupportedException("num_return_sequences > 1 is not supported");
        long maxLength = MaxLength(config, maxNewTokens);
        if (maxLength < 2) throw new ArgumentException($"max length {maxLength} leaves no room for a generated token");
        return maxLength;
    }

    /// <summary>The special ids a run uses: the config's, else the model's, else the SongGen defaults.</summary>
    private readonly record struct Tokens(long Bos, long Pad, long Eos)
    {
        public static Tokens Of(SongGenForCausalLM model, GenerationConfig config) => new(
            config.DecoderStartTokenId ?? config.BosTokenId ?? model.BosTokenId,
            config.PadTokenId ?? model.PadTokenId,
            config.EosTokenId ?? model.Config.EosTokenId ?? SpecialTokens.Eos);
    }

    private sealed record SamplingRun(Tensor Raw, int Steps, List<Tensor>? StepLogits);

    /// <summary>
    /// The sampling loop shared by both kinds of pattern. Runs in the caller's dispose scope: the returned tensors
    /// belong to it; the raw ids are on the model's device. <paramref name="start"/> (rows, 1) holds the BOS column;
    /// <paramref name="delayPattern"/> (rows, ≥ maxLength).
    /// </summary>
    private static SamplingRun Sample(
        SongGenForCausalLM model, SongGenConditioning conditioning, GenerationConfig config, long seed,
        Tensor start, Tensor delayPattern, CodebookEosLogitsProcessor eosProcessor, Tokens tokens, long maxLength, bool keepStepLogits)
    {
        var memory = conditioning.HiddenStates;
        var memoryMask = conditioning.AttentionMask;
        var device = memory.device;
        long rows = start.shape[0];

        bool wasTraining = model.training;
        model.eval();
        using var noGrad = no_grad();

        // the pattern is read on the model's device every step
        var patternOnDevice = delayPattern.to(device);
        var raw = start.to(device).clone();
        var unfinished = ones(rows, ScalarType.Bool, device: device);
        var stepLogits = keepStepLogits ? new List<Tensor>() : null;
        using var generator = new Generator((ulong)seed, CPU);
        IReadOnlyList<LayerKeyValues>? past = null;
        int steps = 0;
        try
        {
            while (true)
            {
                using var step = NewDisposeScope();
                long t = raw.shape[1];
                var delayed = DelayPattern.Apply(raw, patternOnDevice);
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

                var logits32 = logits.to_type(ScalarType.Float32);
                if (stepLogits is not null) stepLogits.Add(logits32.clone().cpu().MoveToOuterDisposeScope());
                var scores = eosProcessor.Process(raw, logits32);
                // Selection runs on the CPU so that a seed gives the same draws whatever the model's device.
                var next = LogitsWarpers.SelectNextTokens(scores.cpu(), config, generator).to(device);
                next = where(unfinished, next, tensor(tokens.Pad, device: device));
                var newRaw = cat(new[] { raw, next.unsqueeze(1) }, 1);
                var newUnfinished = unfinished.logical_and(next.ne(tokens.Eos));
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
        return new SamplingRun(raw, steps, stepLogits);
    }

    /// <summary>Per item of (B, K, F) frames, the frames whose K ids are all regular codes (&lt; 1024), moved out of the current scope.</summary>
    private static List<Tensor> RegularFrames(Tensor frames)
    {
        var codes = new List<Tensor>((int)frames.shape[0]);
        for (long b = 0; b < frames.shape[0]; b++)
        {
            var item = frames[b];                                        // (K, F)
            var keep = item.lt(SpecialTokens.CodebookSize).all(0);       // (F,)
            codes.Add(item.index_select(1, keep.nonzero().view(-1)).MoveToOuterDisposeScope());
        }
        return codes;
    }

    private static List<Tensor>? MoveOut(List<Tensor>? tensors)
    {
        if (tensors is null) return null;
        foreach (var t in tensors) t.MoveToOuterDisposeScope();
        return tensors;
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
