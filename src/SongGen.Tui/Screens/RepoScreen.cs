using System.Collections.ObjectModel;
using System.Text;
using System.Text.RegularExpressions;
using SongGen.Hub;
using SongGen.Hub.Api;
using Terminal.Gui.Input;
using Terminal.Gui.ViewBase;
using Terminal.Gui.Views;

namespace SongGen.Tui.Screens;

/// <summary>
/// One repo: its info, model card, file tree with sizes (LFS marked) at a revision chosen from its branches and tags,
/// and a selection (files, folders or patterns) whose total is shown before anything is queued.
/// </summary>
internal sealed partial class RepoScreen : TuiScreen
{
    private readonly Label _info;
    private readonly ListView _files;
    private readonly ListView _card;
    private readonly ObservableCollection<string> _cardRows = [];
    private readonly TextField _patterns;
    internal TextField PatternsBox => _patterns;
    private readonly Label _selection;
    private readonly ListView _revisions;
    private readonly ObservableCollection<string> _fileRows = [];
    private readonly ObservableCollection<string> _revisionRows = [];
    private readonly List<TreeRow> _tree = [];
    private readonly HashSet<string> _selected = new(StringComparer.Ordinal);
    private readonly List<string> _refs = [];
    private CancellationTokenSource? _loading;
    private RepoId? _repo;
    private string _revision = "main";

    public RepoScreen(TuiContext context) : base(context, "Repo", Key.F3)
    {
        _info = new DataLabel { X = 0, Y = 0, Width = Dim.Fill(), Height = 4, Text = "No repo open: pick one on the Search screen (F2)." };
        _files = NewList();
        _files.X = 0;
        _files.Y = 4;
        _files.Width = Dim.Percent(55);
        _files.Height = Dim.Fill(2);
        _files.SetSource(_fileRows);
        VimKeys(_files);
        // The card is read, not edited: a list of wrapped lines scrolls with the same keys as every other pane.
        _card = NewList();
        _card.X = Pos.Right(_files) + 1;
        _card.Y = 4;
        _card.Width = Dim.Fill();
        _card.Height = Dim.Fill(2);
        _card.SetSource(_cardRows);
        VimKeys(_card);
        var patternLabel = new DataLabel { X = 0, Y = Pos.AnchorEnd(2), Text = "Patterns:" };
        _patterns = new TextField { X = 10, Y = Pos.AnchorEnd(2), Width = 40 };
        _selection = new DataLabel { X = 0, Y = Pos.AnchorEnd(1), Width = Dim.Fill() };
        _revisions = NewList();
        _revisions.X = 2;
        _revisions.Y = 2;
        _revisions.Width = 40;
        _revisions.Height = 8;
        _revisions.Visible = false;
        _revisions.SetSource(_revisionRows);
        VimKeys(_revisions);
        Add(_info, _files, _card, patternLabel, _patterns, _selection, _revisions);

        _files.KeyDown += OnFilesKey;
        _patterns.KeyDown += (_, key) =>
        {
            if (key != Key.Enter) return;
            ApplyPatterns(_patterns.Text ?? "");
            key.Handled = true;
        };
        _revisions.KeyDown += OnRevisionKey;
        UpdateSelection();
    }

    public override string Help =>
        "Space select file/folder   a all   n none   Patterns box: e.g. *.safetensors *.json then Enter   r revision   d download selection   Tab next pane";

    public override bool HandleKey(Key key, bool typing)
    {
        if (key == Key.Esc && _revisions.Visible)
        {
            _revisions.Visible = false;
            _files.SetFocus();
            return true;
        }
        if (typing) return false;
        if (key == Key.R) ShowRevisions();
        else if (key == Key.D) QueueSelection();
        else if (key == Key.A && App?.Navigation?.GetFocused() == _files) SelectAll(true);
        else if (key == Key.N && App?.Navigation?.GetFocused() == _files) SelectAll(false);
        else return false;
        return true;
    }

    private void SelectAll(bool select)
    {
        _selected.Clear();
        if (select)
            foreach (var row in _tree.Where(r => !r.IsFolder)) _selected.Add(row.Path);
        RefreshRows();
    }

    public RepoId? Repo => _repo;

    public string Revision => _revision;

    public IReadOnlyCollection<string> Selected => _selected;

    public override void OnShown()
    {
        if (_repo is not null) _files.SetFocus();
    }

    /// <summary>Loads a repo at a revision (default: its default branch) in the background.</summary>
    public void Open(RepoId repo, string? revision)
    {
        _loading?.Cancel();
        var cts = _loading = CancellationTokenSource.CreateLinkedTokenSource(Context.Lifetime.Token);
        _repo = repo;
        _revision = revision ?? "main";
        _selected.Clear();
        _tree.Clear();
        _fileRows.Clear();
        _cardRows.Clear();
        _info.Text = $"{repo} @ {_revision}: loading…";
        UpdateSelection();
        var client = Context.Client;
        var rev = _revision;
        var cardBytes = Context.Options.CardBytes;
        Context.RunInBackground($"opening {repo}", async ct =>
        {
            var info = await client.GetRepoInfoAsync(repo, rev, cancellationToken: ct).ConfigureAwait(false);
            var tree = new List<TreeEntry>();
            await foreach (var entry in client.ListTreeAsync(repo, info.Sha ?? rev, recursive: true, cancellationToken: ct).ConfigureAwait(false))
                if (entry.IsFile) tree.Add(entry);
            GitRefs? refs = null;
            try
            {
                refs = await client.ListRefsAsync(repo, cancellationToken: ct).ConfigureAwait(false);
            }
            catch (HubException)
            {
                // Refs are a convenience for the picker; the repo is still usable without them.
            }
            string? card = null;
            if (tree.Any(e => e.Path == "README.md"))
            {
                var read = await client.ReadRangeAsync(repo, "README.md", info.Sha ?? rev, 0, cardBytes, ct).ConfigureAwait(false);
                card = Encoding.UTF8.GetString(read.Data);
            }
            return (info, tree, refs, card);
        }, loaded =>
        {
            if (cts != _loading) return;
            ShowRepo(repo, loaded.info, loaded.tree, loaded.refs, loaded.card);
        }, cts.Token);
    }

    private void ShowRepo(RepoId repo, RepoInfo info, List<TreeEntry> files, GitRefs? refs, string? card)
    {
        var license = info.Tags?.FirstOrDefault(t => t.StartsWith("license:", StringComparison.Ordinal))?["license:".Length..] ?? "-";
        var access = info.Private == true ? "private" : info.IsGated ? $"gated ({info.Gated})" : "public";
        var tags = string.Join(", ", (info.Tags ?? []).Where(t => !t.StartsWith("license:", StringComparison.Ordinal)).Take(8));
        _info.Text =
            $"{repo.Type.Singular()} {info.Id}   author {info.Author ?? "-"}   license {license}   {access}\n" +
            $"revision {_revision} = {info.Sha?[..Math.Min(12, info.Sha.Length)] ?? "?"}   last modified {Format.Date(info.LastModified)}   downloads {Format.Count(info.Downloads)}   likes {Format.Count(info.Likes)}\n" +
            $"tags: {(tags.Length == 0 ? "-" : tags)}\n" +
            $"{files.Count} files, {Format.Bytes(files.Sum(f => f.Size))}   (r: revision, Space: select, d: download)";
        _refs.Clear();
        if (refs is not null)
        {
            // The default branch first, then the other branches, then tags, each by name.
            _refs.AddRange(refs.Branches.Select(b => b.Name).OrderBy(n => n == "main" ? 0 : 1).ThenBy(n => n, StringComparer.Ordinal));
            _refs.AddRange(refs.Tags.Select(t => t.Name).Order(StringComparer.Ordinal));
        }
        BuildTree(files);
        var width = Math.Max(20, _card.Viewport.Width - 1);
        Sync(_cardRows, Wrap(card is null ? "(no model card)" : RenderCard(card), width).ToList());
        RefreshRows();
        if (_fileRows.Count > 0) _files.SelectedItem = 0;
        _files.SetFocus();
    }

    /// <summary>Folders first, then files, indented by depth; a folder's size is the sum of its files.</summary>
    private void BuildTree(List<TreeEntry> files)
    {
        _tree.Clear();
        var sorted = files.OrderBy(f => f.Path, StringComparer.Ordinal).ToList();
        var seenFolders = new HashSet<string>(StringComparer.Ordinal);
        foreach (var file in sorted.OrderBy(f => f.Path.Contains('/') ? 0 : 1).ThenBy(f => f.Path, StringComparer.Ordinal))
        {
            var parts = file.Path.Split('/');
            for (var depth = 0; depth < parts.Length - 1; depth++)
            {
                var folder = string.Join('/', parts[..(depth + 1)]);
                if (seenFolders.Add(folder))
                {
                    var prefix = folder + "/";
                    _tree.Add(new TreeRow(folder, parts[depth] + "/", depth, true,
                        sorted.Where(f => f.Path.StartsWith(prefix, StringComparison.Ordinal)).Sum(f => f.Size), false));
                }
            }
            _tree.Add(new TreeRow(file.Path, parts[^1], parts.Length - 1, false, file.Size, file.Lfs is not null));
        }
    }

    private IEnumerable<TreeRow> FilesUnder(TreeRow folder) =>
        _tree.Where(r => !r.IsFolder && r.Path.StartsWith(folder.Path + "/", StringComparison.Ordinal));

    private void RefreshRows()
    {
        var rows = new List<string>(_tree.Count);
        foreach (var row in _tree)
        {
            string mark;
            if (row.IsFolder)
            {
                var under = FilesUnder(row).ToList();
                var chosen = under.Count(f => _selected.Contains(f.Path));
                mark = chosen == 0 ? "[ ]" : chosen == under.Count ? "[x]" : "[~]";
            }
            else mark = _selected.Contains(row.Path) ? "[x]" : "[ ]";
            var name = new string(' ', row.Depth * 2) + row.Name;
            rows.Add($"{mark} {Format.Cell(name, 34)} {Format.RightCell(Format.Bytes(row.Size), 10)} {(row.IsLfs ? "LFS" : "")}");
        }
        Sync(_fileRows, rows);
        UpdateSelection();
        SetNeedsDraw();
    }

    private void UpdateSelection()
    {
        var files = _tree.Where(r => !r.IsFolder && _selected.Contains(r.Path)).ToList();
        _selection.Text = $"Selected: {files.Count} files, {Format.Bytes(files.Sum(f => f.Size))} to download (d)   revision {_revision} (r)";
    }

    private void OnFilesKey(object? sender, Key key)
    {
        if (key == Key.Space || key == Key.Enter)
        {
            if (_files.SelectedItem is { } index && index < _tree.Count) Toggle(_tree[index]);
        }
        else return;
        key.Handled = true;
    }

    private void Toggle(TreeRow row)
    {
        var targets = row.IsFolder ? FilesUnder(row).Select(r => r.Path).ToList() : [row.Path];
        var select = !targets.All(_selected.Contains);
        foreach (var path in targets)
        {
            if (select) _selected.Add(path);
            else _selected.Remove(path);
        }
        RefreshRows();
    }

    /// <summary>Selects exactly the files matching any of the space-separated fnmatch patterns.</summary>
    public void ApplyPatterns(string text)
    {
        var patterns = text.Split(' ', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        _selected.Clear();
        if (patterns.Length > 0)
            foreach (var row in _tree.Where(r => !r.IsFolder && FilePatterns.ShouldKeep(r.Path, patterns, null)))
                _selected.Add(row.Path);
        RefreshRows();
        _files.SetFocus();
    }

    private void ShowRevisions()
    {
        if (_repo is null) return;
        Sync(_revisionRows, _refs.DefaultIfEmpty(_revision).ToList());
        _revisions.Visible = true;
        _revisions.SelectedItem = Math.Max(0, _refs.IndexOf(_revision));
        _revisions.SetFocus();
        Context.ShowStatus("Pick a revision: Enter opens it, Esc closes", false);
    }

    private void OnRevisionKey(object? sender, Key key)
    {
        if (key == Key.Enter && _revisions.SelectedItem is { } index && index < _revisionRows.Count && _repo is { } repo)
        {
            _revisions.Visible = false;
            Open(repo, _revisionRows[index]);
        }
        else if (key == Key.Esc)
        {
            _revisions.Visible = false;
            _files.SetFocus();
        }
        else return;
        key.Handled = true;
    }

    private void QueueSelection()
    {
        if (_repo is not { } repo) return;
        var files = _tree.Where(r => !r.IsFolder && _selected.Contains(r.Path)).Select(r => (r.Path, r.Size)).ToList();
        if (files.Count == 0)
        {
            Context.ShowStatus("Nothing selected: Space selects a file, a selects all, or type patterns", true);
            return;
        }
        Context.Queue.Enqueue(repo, _revision, files);
        Context.ShowStatus($"Queued {files.Count} files of {repo}@{_revision} ({Format.Bytes(files.Sum(f => f.Size))})", false);
        if (Context.DownloadsScreen is { } downloads) Context.Navigate(downloads);
    }

    /// <summary>The card as plain text: YAML front matter summarised away, HTML tags dropped, Markdown marks kept readable.</summary>
    internal static string RenderCard(string markdown)
    {
        var text = markdown.Replace("\r\n", "\n");
        if (text.StartsWith("---\n", StringComparison.Ordinal) && text.IndexOf("\n---", 4, StringComparison.Ordinal) is var end and > 0)
            text = text[(text.IndexOf('\n', end + 1) is var next and > 0 ? next + 1 : text.Length)..];
        text = HtmlTag().Replace(text, "");
        var lines = text.Split('\n').Select(line =>
        {
            var heading = Heading().Match(line);
            return heading.Success ? heading.Groups[1].Value.ToUpperInvariant() : line;
        });
        return string.Join('\n', lines).Trim();
    }

    /// <summary>Word-wraps each line to <paramref name="width"/> cells (long words are cut).</summary>
    internal static IEnumerable<string> Wrap(string text, int width)
    {
        foreach (var paragraph in text.Split('\n'))
        {
            var line = new StringBuilder();
            foreach (var word in paragraph.Split(' '))
            {
                if (line.Length > 0 && line.Length + 1 + word.Length > width)
                {
                    yield return line.ToString();
                    line.Clear();
                }
                if (line.Length > 0) line.Append(' ');
                line.Append(word.Length > width ? word[..width] : word);
            }
            yield return line.ToString();
        }
    }

    [GeneratedRegex("<[^>]+>")]
    private static partial Regex HtmlTag();

    [GeneratedRegex(@"^#{1,6}\s+(.*)$")]
    private static partial Regex Heading();

    private sealed record TreeRow(string Path, string Name, int Depth, bool IsFolder, long Size, bool IsLfs);
}
