Console.WriteLine("songgen");
