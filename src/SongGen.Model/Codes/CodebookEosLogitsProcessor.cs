using SongGen.Model.Config;
using TorchSharp;
using static TorchSharp.torch;

namespace SongGen.Model.Codes;

/// <summary>
/// SongGenLogitsProcessor: codebook k may emit EOS only after codebook k−1 has emitted it. The rows of the decoder
/// (row = b*K' + k) form chains of codebooks: one chain of K per item, or two chains of K'/2 per item for the
/// parallel patterns (accompaniment rows, then vocal rows). Each chain tracks its first unfinished codebook; a call
/// advances it by at most one codebook when that codebook's raw (un-delayed) history holds an EOS anywhere, then
/// sets the EOS score of every row after the chain's first unfinished codebook to −inf.
/// One instance per generate call; call <see cref="Process"/> once per step, in order.
/// </summary>
public sealed class CodebookEosLogitsProcessor
{
    private readonly long[] _firstUnfinished;
    private readonly long[] _lastCodebook;

    /// <param name="eosTokenId">EOS id (1024).</param>
    /// <param name="numCodebooks">Decoder rows per item K' (8, or 16 for parallel patterns at full size).</param>
    /// <param name="batchSize">Items B; the scores have B*K' rows.</param>
    /// <param name="trackPattern">Parallel patterns split each item's rows into two chains.</param>
    public CodebookEosLogitsProcessor(long eosTokenId, int numCodebooks, int batchSize, TrackPattern trackPattern = TrackPattern.Mixed)
    {
        EosTokenId = eosTokenId;
        NumCodebooks = numCodebooks;
        BatchSize = batchSize;
        TrackPattern = trackPattern;
        int chainsPerItem = trackPattern.IsParallel() ? 2 : 1;
        if (numCodebooks % chainsPerItem != 0) throw new ArgumentException("parallel patterns need an even number of codebooks", nameof(numCodebooks));
        ChainLength = numCodebooks / chainsPerItem;
        int chains = batchSize * chainsPerItem;
        _firstUnfinished = new long[chains];
        _lastCodebook = new long[chains];
        for (int c = 0; c < chains; c++)
        {
            _firstUnfinished[c] = (long)c * ChainLength;
            _lastCodebook[c] = (long)c * ChainLength + ChainLength - 1;
        }
    }

    public long EosTokenId { get; }
    public int NumCodebooks { get; }
    public int BatchSize { get; }
    public TrackPattern TrackPattern { get; }
    /// <summary>Codebooks per chain: K' for single chains, K'/2 for parallel patterns.</summary>
    public int ChainLength { get; }
    /// <summary>Number of chains: B, or 2B for parallel patterns.</summary>
    public int ChainCount => _firstUnfinished.Length;

    /// <summary>Per chain, the global row index of its first codebook that has not emitted EOS yet (state after the last call).</summary>
    public IReadOnlyList<long> FirstCodebooksUnfinished => _firstUnfinished;

    /// <summary>The state as an int64 tensor (chains,), a new tensor owned by the caller.</summary>
    public Tensor FirstCodebooksUnfinishedTensor() => tensor(_firstUnfinished, ScalarType.Int64);

    /// <summary>
    /// One generation step: <paramref name="rawIds"/> (B*K', t) the raw sampled ids so far (BOS column first),
    /// <paramref name="scores"/> (B*K', V) the next-token scores. Updates the state and returns new scores equal to
    /// the input except the masked EOS entries (−inf).
    /// </summary>
    public Tensor Process(Tensor rawIds, Tensor scores)
    {
        long rows = (long)ChainCount * ChainLength;
        if (rawIds.shape[0] != rows || scores.shape[0] != rows)
            throw new ArgumentException($"expected {rows} rows, got ids {rawIds.shape[0]} and scores {scores.shape[0]}");
        using var scope = NewDisposeScope();

        var eosCounts = rawIds.eq(EosTokenId).sum(1, type: ScalarType.Int64).cpu().data<long>().ToArray();
        for (int c = 0; c < _firstUnfinished.Length; c++)
            if (eosCounts[_firstUnfinished[c]] > 0 && _firstUnfinished[c] < _lastCodebook[c])
                _firstUnfinished[c]++;

        var rowLimit = tensor(_firstUnfinished, ScalarType.Int64).repeat_interleave(ChainLength);
        var blocked = arange(rows, ScalarType.Int64).gt(rowLimit).to(scores.device);
        var result = scores.clone();
        result[TensorIndex.Colon, TensorIndex.Single(EosTokenId)].masked_fill_(blocked, float.NegativeInfinity);
        return result.MoveToOuterDisposeScope();
    }
}
