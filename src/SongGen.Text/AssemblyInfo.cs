namespace SongGen.Text;
