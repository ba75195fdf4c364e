namespace SongGen.Hub.Emulator;
