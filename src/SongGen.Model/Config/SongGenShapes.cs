namespace SongGen.Model.Config;

/// <summary>
/// Parameter names and shapes that a <see cref="SongGenConfig"/> determines, in checkpoint naming: the decoder
/// (<c>decoder.</c>), the T5 encoder (<c>text_encoder.</c>), <c>enc_to_dec_proj</c> and <c>embed_prompts</c>. The
/// lyrics Conformer, MERT, the codec and the projections from them have fixed widths not stored in
/// <c>config.json</c> and are not listed.
/// </summary>
public static class SongGenShapes
{
    /// <summary>The prefixes whose parameters <see cref="Expected"/> lists completely.</summary>
    public static IReadOnlyList<string> CoveredPrefixes { get; } = ["decoder.", "text_encoder.", "enc_to_dec_proj.", "embed_prompts."];

    public static IReadOnlyList<(string Name, long[] Shape)> Expected(SongGenConfig config)
    {
        var list = new List<(string, long[])>();
        var d = config.Decoder;
        long h = d.HiddenSize, hd = d.HeadDim;
        const string m = "decoder.model.decoder.";
        for (var k = 0; k < d.NumEmbedTokens; k++) list.Add(($"{m}embed_tokens.{k}.weight", [d.VocabSize, h]));
        list.Add(($"{m}embed_positions.weights", [d.MaxPositionEmbeddings, h]));
        for (var i = 0; i < d.NumHiddenLayers; i++)
        {
            var l = $"{m}layers.{i}.";
            long kv = d.EffectiveNumKeyValueHeads * hd, ckv = d.EffectiveNumCrossAttentionKeyValueHeads * hd;
            list.Add(($"{l}self_attn.k_proj.weight", [kv, h]));
            list.Add(($"{l}self_attn.v_proj.weight", [kv, h]));
            list.Add(($"{l}self_attn.q_proj.weight", [h, h]));
            list.Add(($"{l}self_attn.out_proj.weight", [h, h]));
            list.Add(($"{l}self_attn_layer_norm.weight", [h]));
            list.Add(($"{l}self_attn_layer_norm.bias", [h]));
            list.Add(($"{l}encoder_attn.k_proj.weight", [ckv, h]));
            list.Add(($"{l}encoder_attn.v_proj.weight", [ckv, h]));
            list.Add(($"{l}encoder_attn.q_proj.weight", [h, h]));
            list.Add(($"{l}encoder_attn.out_proj.weight", [h, h]));
            list.Add(($"{l}encoder_attn_layer_norm.weight", [h]));
            list.Add(($"{l}encoder_attn_layer_norm.bias", [h]));
            list.Add(($"{l}fc1.weight", [d.FfnDim, h]));
            list.Add(($"{l}fc2.weight", [h, d.FfnDim]));
            list.Add(($"{l}final_layer_norm.weight", [h]));
            list.Add(($"{l}final_layer_norm.bias", [h]));
        }
        list.Add(($"{m}layer_norm.weight", [h]));
        list.Add(($"{m}layer_norm.bias", [h]));
        for (var k = 0; k < d.NumLmHeads; k++) list.Add(($"decoder.lm_heads.{k}.weight", [d.VocabSize, h]));
        if (d.HasVocalLmHeads)
            for (var k = 0; k < d.NumCodebooks; k++) list.Add(($"decoder.vocal_lm_heads.{k}.weight", [d.VocabSize, h]));

        var t = config.TextEncoder;
        long tm = t.DModel, inner = t.InnerDim;
        list.Add(("text_encoder.shared.weight", [t.VocabSize, tm]));
        for (var i = 0; i < t.NumLayers; i++)
        {
            var b = $"text_encoder.encoder.block.{i}.layer.";
            foreach (var p in new[] { "q", "k", "v" }) list.Add(($"{b}0.SelfAttention.{p}.weight", [inner, tm]));
            list.Add(($"{b}0.SelfAttention.o.weight", [tm, inner]));
            if (i == 0) list.Add(($"{b}0.SelfAttention.relative_attention_bias.weight", [t.RelativeAttentionNumBuckets, t.NumHeads]));
            list.Add(($"{b}0.layer_norm.weight", [tm]));
            if (t.IsGatedAct)
            {
                list.Add(($"{b}1.DenseReluDense.wi_0.weight", [t.DFf, tm]));
                list.Add(($"{b}1.DenseReluDense.wi_1.weight", [t.DFf, tm]));
            }
            else list.Add(($"{b}1.DenseReluDense.wi.weight", [t.DFf, tm]));
            list.Add(($"{b}1.DenseReluDense.wo.weight", [tm, t.DFf]));
            list.Add(($"{b}1.layer_norm.weight", [tm]));
        }
        list.Add(("text_encoder.encoder.final_layer_norm.weight", [tm]));

        list.Add(("enc_to_dec_proj.weight", [h, tm]));
        list.Add(("enc_to_dec_proj.bias", [h]));
        list.Add(("embed_prompts.weight", [config.VocabSize, h]));
        return list;
    }
}
