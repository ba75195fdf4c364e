namespace SongGen.Checkpoints;
