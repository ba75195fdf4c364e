using SongGen.Hub.Cards;

namespace SongGen.Hub.Tests.Cards;

public sealed class LossLogTests
{
    [Fact]
    public void Columns_become_series_and_finals_skip_gaps_and_nan()
    {
        var path = Path.GetTempFileName();
        try
        {
            File.WriteAllText(path, "step,loss,codebook_0,codebook_1\n0,5.0,4.0,4.5\n100,4.0,3.0,\n200,nan,2.5,3.5\n\n");
            var log = LossLog.ReadCsv(path);
            Assert.Equal(["loss", "codebook_0", "codebook_1"], log.Series.Select(s => s.Name));
            Assert.Equal(4.0, log.Final("loss"));
            Assert.Equal(2.5, log.Final("codebook_0"));
            Assert.Equal(200, log.LastStep);
            Assert.Equal(2, log.Indexed("codebook_").Count);
            Assert.Equal(2, log.Find("codebook_1")!.Points.Count);
        }
        finally
        {
            File.Delete(path);
        }
    }

    [Theory]
    [InlineData("", "empty")]
    [InlineData("loss\n1\n", "no 'step' column")]
    [InlineData("step,loss\n1,2,3\n", ":2: 3 cells")]
    [InlineData("step,loss\n1,abc\n", ":2: column 'loss' value 'abc'")]
    [InlineData("step,loss\nx,1\n", ":2: step 'x'")]
    public void Bad_logs_name_the_file_and_line(string content, string expected)
    {
        var path = Path.GetTempFileName();
        try
        {
            File.WriteAllText(path, content);
            var ex = Assert.Throws<FormatException>(() => LossLog.ReadCsv(path));
            Assert.StartsWith(path, ex.Message);
            Assert.Contains(expected, ex.Message);
        }
        finally
        {
            File.Delete(path);
        }
    }
}
