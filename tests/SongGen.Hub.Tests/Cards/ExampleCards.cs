namespace SongGen.Hub.Tests.Cards;

/// <summary>Realistic cards written for these tests, in the styles seen on the Hub (hand-written and huggingface_hub-generated).</summary>
internal static class ExampleCards
{
    /// <summary>A fine-tune card as the Trainer writes it, then edited by hand: comments, unknown keys, a widget, a model-index.</summary>
    public const string FineTunedModel = """
        ---
        # Card metadata: see https://huggingface.co/docs/hub/model-cards
        language:
          - en
          - zh
        license: apache-2.0   # same as the base model
        library_name: songgen
        tags:
          - text-to-audio
          - song-generation
          - generated_from_trainer
        base_model: LiuZH-19/SongGen_mixed_pro
        base_model_relation: finetune
        datasets:
          - google/MusicCaps
        pipeline_tag: text-to-audio
        widget:
          - text: "A bright pop song with female vocals"
            output:
              url: samples/pop.wav
        inference: false
        co2_eq_emissions:
          emissions: 1234.5
          source: CodeCarbon
          training_type: fine-tuning
          hardware_used: 1 x H100
        # Results on the held-out split
        model-index:
          - name: songgen-mixed-pro-musiccaps
            results:
              - task:
                  type: text-to-audio
                  name: Text to audio
                dataset:
                  type: google/MusicCaps
                  name: MusicCaps
                  split: test
                metrics:
                  - type: fad
                    value: 1.71
                    name: FAD (VGGish)
                  - type: clap
                    value: 0.35
                    verified: false
                source:
                  name: our evaluation
                  url: https://example.org/eval
        my_private_key: {nested: [1, 2, 3], note: "kept as is"}
        ---

        # SongGen mixed_pro, fine-tuned on MusicCaps

        Some text.
        """;

    /// <summary>PyYAML style (huggingface_hub's <c>yaml.dump</c>): sequences not indented.</summary>
    public const string GeneratedModel = """
        ---
        library_name: transformers
        license: mit
        base_model:
        - org/model-a
        - org/model-b
        tags:
        - mergekit
        - merge
        base_model_relation: merge
        ---

        # merged

        This is a merge of pre-trained language models.
        """;

    public const string Dataset = """
        ---
        annotations_creators:
        - expert-generated
        language_creators:
        - found
        language:
        - en
        license: cc-by-sa-4.0
        multilinguality:
        - monolingual
        pretty_name: Song captions
        size_categories:
        - 1K<n<10K
        source_datasets:
        - original
        task_categories:
        - text-to-audio
        configs:
        - config_name: default
          data_files:
          - split: train
            path: data/train-*.parquet
          - split: test
            path: data/test-*.parquet
          default: true
        - config_name: lyrics_only
          data_files: lyrics/*.jsonl
        dataset_info:
          features:
          - name: caption
            dtype: string
          - name: audio
            dtype: audio
          splits:
          - name: train
            num_bytes: 123456
            num_examples: 5521
        ---

        # Dataset Card for Song captions
        """;
}
