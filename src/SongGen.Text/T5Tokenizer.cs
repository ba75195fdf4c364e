using Microsoft.ML.Tokenizers;

namespace SongGen.Text;

/// <summary>
/// The T5 / flan-T5 description tokenizer: a SentencePiece Unigram model (<c>spiece.model</c>). <see cref="Encode"/>
/// gives the ids Hugging Face's T5 tokenizer gives with default settings: the pieces, then <c>&lt;/s&gt;</c>.
/// </summary>
public sealed class T5Tokenizer
{
    private readonly SentencePieceTokenizer _model;

    private T5Tokenizer(SentencePieceTokenizer model, int eosId, int padId, int unkId)
    {
        _model = model;
        EosId = eosId;
        PadId = padId;
        UnkId = unkId;
    }

    /// <summary>Id of <c>&lt;/s&gt;</c>, appended by <see cref="Encode"/> (1 for T5).</summary>
    public int EosId { get; }

    /// <summary>Id used for padding (0 for T5).</summary>
    public int PadId { get; }

    /// <summary>Id of <c>&lt;unk&gt;</c> (2 for T5); one per run of unknown characters.</summary>
    public int UnkId { get; }

    /// <summary>Loads a serialized SentencePiece model (<c>spiece.model</c>).</summary>
    public static T5Tokenizer FromFile(string spieceModelPath) => FromBytes(File.ReadAllBytes(spieceModelPath));

    /// <summary>Loads a serialized SentencePiece model from memory.</summary>
    public static T5Tokenizer FromBytes(byte[] spieceModel)
    {
        ArgumentNullException.ThrowIfNull(spieceModel);
        // 2.0.1 indexes the vocabulary with bos_id; T5 has none (-1). Nothing here adds a BOS, so any id does.
        var patched = SentencePieceModelPatch.WithNonNegativeBosId(spieceModel, newBosId: 0);
        using var stream = new MemoryStream(patched, writable: false);
        var model = SentencePieceTokenizer.Create(stream, addBeginningOfSentence: false, addEndOfSentence: false);
        return new T5Tokenizer(model, model.EndOfSentenceId, padId: 0, model.UnknownId);
    }

    /// <summary>Ids of <paramref name="text"/> followed by <see cref="EosId"/>. No truncation.</summary>
    public int[] Encode(string text)
    {
        var pieces = EncodeWithoutEos(text);
        var ids = new int[pieces.Count + 1];
        for (var i = 0; i < pieces.Count; i++) ids[i] = pieces[i];
        ids[^1] = EosId;
        return ids;
    }

    /// <summary>Ids of <paramref name="text"/> without <c>&lt;/s&gt;</c>: what <c>spm_encode --output_format=id</c> prints.</summary>
    public IReadOnlyList<int> EncodeWithoutEos(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        var raw = _model.EncodeToIds(text);
        // SentencePiece emits one <unk> per run of unknown characters; 2.0.1 emits one per character.
        var ids = new List<int>(raw.Count);
        foreach (var id in raw)
        {
            if (id == UnkId && ids.Count > 0 && ids[^1] == UnkId) continue;
            ids.Add(id);
        }
        return ids;
    }

    /// <summary>
    /// Encodes every text (with <c>&lt;/s&gt;</c>) and pads right with <see cref="PadId"/> to the longest, rounded up
    /// to a multiple of <paramref name="padToMultipleOf"/> when given (SongGen training uses 2).
    /// </summary>
    public TokenBatch EncodeBatch(IEnumerable<string> texts, int? padToMultipleOf = null)
    {
        ArgumentNullException.ThrowIfNull(texts);
        return TokenBatch.Pad(texts.Select(Encode).ToList(), PadId, padToMultipleOf);
    }

    /// <summary>Text of <paramref name="ids"/>; pad, <c>&lt;/s&gt;</c> and other control ids are dropped.</summary>
    public string Decode(IEnumerable<int> ids)
    {
        ArgumentNullException.ThrowIfNull(ids);
        return _model.Decode(ids.Where(id => id != PadId && id != EosId), considerSpecialTokens: false) ?? string.Empty;
    }
}
