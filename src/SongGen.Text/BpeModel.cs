using System.Collections.Concurrent;
using System.Text;

namespace SongGen.Text;

/// <summary>
/// A Hugging Face <c>tokenizers</c> BPE pipeline as a <c>tokenizer.json</c> describes it: added tokens matched
/// verbatim first (leftmost, longest), the Whitespace pre-tokenizer on the rest, then BPE per piece: start from
/// characters and merge the lowest-rank pair, leftmost on ties. Unknown characters become the unk id (fused into one
/// per run only with <c>fuse_unk</c>).
/// </summary>
internal sealed class BpeModel
{
    private const int CacheLimit = 200_000;

    private readonly Dictionary<string, int> _vocab;
    private readonly Dictionary<(int, int), (int Rank, int Id)> _merges;
    private readonly string[] _idToToken;
    private readonly (string Content, int Id)[] _addedTokens; // longest first
    private readonly HashSet<int> _addedIds;
    private readonly int? _unkId;
    private readonly bool _fuseUnk;
    private readonly bool _ignoreMerges;
    private readonly bool _whitespacePreTokenizer;
    private readonly ConcurrentDictionary<string, int[]> _cache = new(StringComparer.Ordinal);

    public BpeModel(
        Dictionary<string, int> vocab,
        IReadOnlyList<(string Left, string Right)> merges,
        IReadOnlyList<(string Content, int Id)> addedTokens,
        string? unkToken,
        bool fuseUnk,
        bool ignoreMerges,
        bool whitespacePreTokenizer)
    {
        _vocab = vocab;
        _merges = new Dictionary<(int, int), (int, int)>(merges.Count);
        for (var rank = 0; rank < merges.Count; rank++)
        {
            var (left, right) = merges[rank];
            if (!vocab.TryGetValue(left, out var l) || !vocab.TryGetValue(right, out var r) || !vocab.TryGetValue(left + right, out var merged))
            {
                throw new InvalidDataException($"Merge '{left} {right}' uses a token that is not in the vocabulary.");
            }
            // A pair listed twice keeps its last rank, as Hugging Face's loader does (the XTTS file has 2053 repeats).
            _merges[(l, r)] = (rank, merged);
        }
        var maxId = Math.Max(vocab.Count == 0 ? -1 : vocab.Values.Max(), addedTokens.Count == 0 ? -1 : addedTokens.Max(t => t.Id));
        _idToToken = new string[maxId + 1];
        foreach (var (token, id) in vocab) _idToToken[id] = token;
        foreach (var (token, id) in addedTokens) _idToToken[id] = token;
        _addedTokens = addedTokens.Where(t => t.Content.Length > 0).OrderByDescending(t => t.Content.Length).ToArray();
        _addedIds = addedTokens.Select(t => t.Id).ToHashSet();
        _unkId = unkToken is not null && vocab.TryGetValue(unkToken, out var unk) ? unk : null;
        _fuseUnk = fuseUnk;
        _ignoreMerges = ignoreMerges;
        _whitespacePreTokenizer = whitespacePreTokenizer;
    }

    public int? TokenToId(string token)
    {
        foreach (var (content, id) in _addedTokens) if (content == token) return id;
        return _vocab.TryGetValue(token, out var v) ? v : null;
    }

    public bool IsAddedToken(int id) => _addedIds.Contains(id);

    public string? IdToToken(int id) => id >= 0 && id < _idToToken.Length ? _idToToken[id] : null;

    public void Encode(string text, List<int> ids)
    {
        var pieces = new List<(int Start, int Length)>();
        var position = 0;
        while (position < text.Length)
        {
            var (matchStart, matchId, matchLength) = NextAddedToken(text, position);
            EncodeSpan(text, position, matchStart - position, ids, pieces);
            if (matchLength == 0) break;
            ids.Add(matchId);
            position = matchStart + matchLength;
        }
    }

    // Leftmost start, then longest content; (text.Length, -1, 0) when none is left.
    private (int Start, int Id, int Length) NextAddedToken(string text, int from)
    {
        var best = (Start: text.Length, Id: -1, Length: 0);
        foreach (var (content, id) in _addedTokens)
        {
            var at = text.IndexOf(content, from, StringComparison.Ordinal);
            if (at < 0) continue;
            if (at < best.Start || (at == best.Start && content.Length > best.Length)) best = (at, id, content.Length);
        }
        return best;
    }

    private void EncodeSpan(string text, int start, int length, List<int> ids, List<(int Start, int Length)> pieces)
    {
        if (length <= 0) return;
        if (!_whitespacePreTokenizer)
        {
            EncodeWord(text.Substring(start, length), ids);
            return;
        }
        pieces.Clear();
        WhitespacePreTokenizer.Split(text.AsSpan(start, length), pieces);
        foreach (var (s, l) in pieces) EncodeWord(text.Substring(start + s, l), ids);
    }

    private void EncodeWord(string word, List<int> ids)
    {
        if (_cache.TryGetValue(word, out var cached))
        {
            ids.AddRange(cached);
            return;
        }
        var result = MergeWord(word);
        if (_cache.Count < CacheLimit) _cache.TryAdd(word, result);
        ids.AddRange(result);
    }

    private int[] MergeWord(string word)
    {
        if (_ignoreMerges && _vocab.TryGetValue(word, out var whole)) return [whole];
        var symbols = new List<int>(word.Length);
        foreach (var rune in word.EnumerateRunes())
        {
            if (_vocab.TryGetValue(rune.ToString(), out var id))
            {
                symbols.Add(id);
            }
            else if (_unkId is int unk)
            {
                if (_fuseUnk && symbols.Count > 0 && symbols[^1] == unk) continue;
                symbols.Add(unk);
            }
        }
        while (symbols.Count > 1)
        {
            var bestIndex = -1;
            var best = (Rank: int.MaxValue, Id: 0);
            for (var i = 0; i + 1 < symbols.Count; i++)
            {
                if (_merges.TryGetValue((symbols[i], symbols[i + 1]), out var merge) && merge.Rank < best.Rank)
                {
                    best = merge;
                    bestIndex = i;
                }
            }
            if (bestIndex < 0) break;
            symbols[bestIndex] = best.Id;
            symbols.RemoveAt(bestIndex + 1);
        }
        return symbols.ToArray();
    }

    public string Decode(IEnumerable<int> ids)
    {
        var builder = new StringBuilder();
        foreach (var id in ids) builder.Append(IdToToken(id));
        return builder.ToString();
    }
}
