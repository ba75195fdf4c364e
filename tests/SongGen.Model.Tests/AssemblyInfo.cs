// Tests seed TorchSharp's one global generator (manual_seed) and then draw weights and inputs from it; test classes
// running in parallel would interleave their draws, so two "same seed" builds could differ. Run them one at a time
// (libtorch already uses every core inside each operation).
[assembly: CollectionBehavior(DisableTestParallelization = true)]
