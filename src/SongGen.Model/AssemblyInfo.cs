namespace SongGen.Model;
