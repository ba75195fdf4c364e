// The one implementation of the libLibTorchSharp.so fix. MSBuild compiles this file for the inline task in
// TorchSharpElfPatch.targets (against MSBuild's netstandard reference assemblies, so keep to that API), and
// SongGen.Checkpoints.Tests links it, defining SONGGEN_ELF_WITHOUT_MSBUILD to leave the task class out.
#nullable enable
using System;
using System.IO;
using System.Text;

namespace SongGen.Build
{
    public enum VersionNeedPatchOutcome { NotElf64LittleEndian, VersionNeedAbsent, AlreadyWeak, MarkedWeak }

    /// <summary>Reads and marks weak the version needs (.gnu.version_r) of an ELF64 little-endian file.</summary>
    public static class ElfVersionNeeds
    {
        public const ushort WeakFlag = 0x2; // VER_FLG_WEAK: the loader only warns when a weak version is missing.
        private const uint GnuVerneedSectionType = 0x6ffffffe; // SHT_GNU_verneed

        public static bool IsElf64LittleEndian(byte[] elf) =>
            elf.Length >= 64 && elf[0] == 0x7f && elf[1] == (byte)'E' && elf[2] == (byte)'L' && elf[3] == (byte)'F'
            && elf[4] == 2 /* ELFCLASS64 */ && elf[5] == 1 /* ELFDATA2LSB */;

        /// <summary>File offset of the vna_flags of the Elf64_Vernaux named <paramref name="versionName"/>, or -1.</summary>
        public static long FindFlagsOffset(byte[] elf, string versionName)
        {
            if (!IsElf64LittleEndian(elf)) return -1;
            long sectionTable = (long)U64(elf, 0x28); // e_shoff
            int sectionSize = U16(elf, 0x3a), sectionCount = U16(elf, 0x3c); // e_shentsize, e_shnum
            for (int section = 0; section < sectionCount; section++)
            {
                long header = sectionTable + (long)section * sectionSize;
                if (U32(elf, header + 4) != GnuVerneedSectionType) continue; // sh_type
                long strings = (long)U64(elf, sectionTable + (long)U32(elf, header + 40) * sectionSize + 24); // sh_link's sh_offset
                long verneed = (long)U64(elf, header + 24); // sh_offset
                for (uint need = U32(elf, header + 44); need > 0; need--) // sh_info = number of Elf64_Verneed
                {
                    long vernaux = verneed + U32(elf, verneed + 8); // vn_aux
                    for (int aux = U16(elf, verneed + 2); aux > 0; aux--) // vn_cnt
                    {
                        if (ReadString(elf, strings + U32(elf, vernaux + 8)) == versionName) return vernaux + 4; // vna_name
                        uint nextAux = U32(elf, vernaux + 12); // vna_next; 0 ends the chain
                        if (nextAux == 0) break;
                        vernaux += nextAux;
                    }
                    uint nextNeed = U32(elf, verneed + 12); // vn_next; 0 ends the chain
                    if (nextNeed == 0) break;
                    verneed += nextNeed;
                }
            }
            return -1;
        }

        public static ushort ReadFlags(byte[] elf, long flagsOffset) => U16(elf, flagsOffset);

        public static VersionNeedPatchOutcome MarkWeak(string path, string versionName)
        {
            byte[] elf = File.ReadAllBytes(path);
            if (!IsElf64LittleEndian(elf)) return VersionNeedPatchOutcome.NotElf64LittleEndian;
            long flagsOffset;
            try { flagsOffset = FindFlagsOffset(elf, versionName); }
            catch (IndexOutOfRangeException) { throw new InvalidDataException($"{path}: ELF headers point outside the file."); }
            if (flagsOffset < 0) return VersionNeedPatchOutcome.VersionNeedAbsent;
            if ((ReadFlags(elf, flagsOffset) & WeakFlag) != 0) return VersionNeedPatchOutcome.AlreadyWeak;

            // Patch a fresh copy and rename it over: writing in place could go through a hard link into the NuGet
            // cache, and would corrupt a process that has the library mapped. File.Copy keeps the file mode.
            string temporary = path + ".elfpatch.tmp";
            File.Copy(path, temporary, overwrite: true);
            using (var stream = new FileStream(temporary, FileMode.Open, FileAccess.Write))
            {
                stream.Position = flagsOffset;
                stream.WriteByte((byte)(elf[flagsOffset] | WeakFlag));
            }
            // Same size and time as the package file, so incremental builds see the copy as up to date and keep it.
            File.SetLastWriteTimeUtc(temporary, File.GetLastWriteTimeUtc(path));
            File.Replace(temporary, path, destinationBackupFileName: null);
            return VersionNeedPatchOutcome.MarkedWeak;
        }

        private static ushort U16(byte[] b, long o) => (ushort)(b[o] | b[o + 1] << 8);
        private static uint U32(byte[] b, long o) => (uint)(U16(b, o) | U16(b, o + 2) << 16);
        private static ulong U64(byte[] b, long o) => U32(b, o) | (ulong)U32(b, o + 4) << 32;

        private static string ReadString(byte[] b, long start)
        {
            long end = start;
            while (b[end] != 0) end++;
            return Encoding.ASCII.GetString(b, checked((int)start), checked((int)(end - start)));
        }
    }

#if !SONGGEN_ELF_WITHOUT_MSBUILD
    /// <summary>Marks the version need <see cref="VersionName"/> weak in each existing file of <see cref="Files"/>.</summary>
    public class MarkElfVersionNeedWeak : Microsoft.Build.Utilities.Task
    {
        [Microsoft.Build.Framework.Required] public Microsoft.Build.Framework.ITaskItem[] Files { get; set; } = new Microsoft.Build.Framework.ITaskItem[0];
        [Microsoft.Build.Framework.Required] public string VersionName { get; set; } = "";

        public override bool Execute()
        {
            var seen = new System.Collections.Generic.HashSet<string>(StringComparer.Ordinal);
            foreach (var file in Files)
            {
                string path = Path.GetFullPath(file.ItemSpec);
                if (!File.Exists(path) || !seen.Add(path)) continue;
                try
                {
                    if (ElfVersionNeeds.MarkWeak(path, VersionName) == VersionNeedPatchOutcome.MarkedWeak)
                        Log.LogMessage(Microsoft.Build.Framework.MessageImportance.High, $"Marked {VersionName} weak in {path} (lets it load with an older libstdc++).");
                }
                catch (Exception e) when (e is IOException || e is UnauthorizedAccessException || e is InvalidDataException)
                {
                    Log.LogError($"Could not mark {VersionName} weak in {path}: {e.Message}");
                }
            }
            return !Log.HasLoggedErrors;
        }
    }
#endif
}
