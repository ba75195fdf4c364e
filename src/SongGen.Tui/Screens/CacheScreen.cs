using System.Collections.ObjectModel;
using SongGen.Hub;
using Terminal.Gui.Input;
using Terminal.Gui.ViewBase;
using Terminal.Gui.Views;

namespace SongGen.Tui.Screens;

/// <summary>
/// The Python-compatible cache: repos and their revisions with sizes and last access (what <c>hf cache scan</c> would
/// list for the same folder), re-hash (v) and delete with confirmation (x / Delete).
/// </summary>
internal sealed class CacheScreen : TuiScreen
{
    private readonly Label _header;
    private readonly ListView _list;
    private readonly Label _footer;
    private readonly ObservableCollection<string> _rows = [];
    private readonly List<(RepoId Repo, string? Commit)> _targets = [];
    private readonly HubCacheManager _cache;

    public CacheScreen(TuiContext context) : base(context, "Cache", Key.F5)
    {
        _cache = new HubCacheManager(context.ClientOptions.CacheDir);
        _header = new DataLabel { X = 0, Y = 0, Width = Dim.Fill(), Height = 2 };
        _list = NewList();
        _list.X = 0;
        _list.Y = 2;
        _list.Width = Dim.Fill();
        _list.Height = Dim.Fill(1);
        _list.SetSource(_rows);
        VimKeys(_list);
        _footer = new DataLabel { X = 0, Y = Pos.AnchorEnd(1), Width = Dim.Fill(), Text = "g refresh   v verify   x delete (asks first)" };
        Add(_header, _list, _footer);
    }

    public override string Help => "g refresh   v verify (re-hash) the repo or revision   x/Delete delete it (asks first)   j/k move";

    public override void OnShown()
    {
        Rescan();
        _list.SetFocus();
    }

    public override bool HandleKey(Key key, bool typing)
    {
        if (typing) return false;
        if (key == Key.G) Rescan();
        else if (key == Key.V) Verify();
        else if (key == Key.X || key == Key.Delete) Delete();
        else return false;
        return true;
    }

    private (RepoId Repo, string? Commit)? Target() =>
        _list.SelectedItem is { } index && index < _targets.Count ? _targets[index] : null;

    private void Rescan()
    {
        _header.Text = $"Cache {_cache.Layout.Root}: scanning…";
        Context.RunInBackground("cache scan", _ => Task.FromResult(_cache.Scan()), scan =>
        {
            var rows = new List<string>();
            _targets.Clear();
            foreach (var repo in scan.Repos.OrderBy(r => r.Repo.ToString(), StringComparer.Ordinal))
            {
                rows.Add($"{Format.Cell(repo.Repo.Type.Singular(), 8)}{Format.Cell(repo.Repo.Id, 40)}{Format.RightCell(Format.Bytes(repo.SizeOnDisk), 11)} {Format.RightCell(repo.FileCount + " files", 9)}  accessed {Format.Date(repo.LastAccessed)}  modified {Format.Date(repo.LastModified)}"
                          + (repo.IncompleteBytes > 0 ? $"  partial {Format.Bytes(repo.IncompleteBytes)}" : ""));
                _targets.Add((repo.Repo, null));
                foreach (var revision in repo.Revisions)
                {
                    rows.Add($"    {revision.Commit[..12]}  {Format.Cell(revision.Refs.Count == 0 ? "(detached)" : string.Join(", ", revision.Refs), 30)}{Format.RightCell(Format.Bytes(revision.SizeOnDisk), 11)} {Format.RightCell(revision.Files.Count + " files", 9)}  modified {Format.Date(revision.LastModified)}");
                    _targets.Add((repo.Repo, revision.Commit));
                }
            }
            Sync(_rows, rows);
            _header.Text = $"Cache {scan.Root}: {scan.Repos.Count} repos, {Format.Bytes(scan.SizeOnDisk)}"
                           + (scan.Warnings.Count > 0 ? $", {scan.Warnings.Count} warnings (first: {scan.Warnings[0].Message})" : "")
                           + "\nPython's huggingface_hub with HF_HUB_CACHE set to this folder sees the same repos and revisions.";
            if (_rows.Count > 0 && _list.SelectedItem is null) _list.SelectedItem = 0;
        }, Context.Lifetime.Token);
    }

    private void Verify()
    {
        if (Target() is not { } target) return;
        var what = target.Commit is null ? target.Repo.ToString() : $"{target.Repo}@{target.Commit[..12]}";
        Context.ShowStatus($"Verifying {what}…", false);
        Context.RunInBackground($"verify {what}", ct => _cache.VerifyAsync(target.Repo, target.Commit, cancellationToken: ct), result =>
        {
            var failures = result.Failures.ToList();
            Context.ShowStatus(failures.Count == 0
                ? $"{what}: {result.Files.Count} files verified, {Format.Bytes(result.BytesHashed)} hashed, all good"
                : $"{what}: {failures.Count} of {result.Files.Count} files damaged, first {failures[0].RepoPath}: {failures[0].Status}", failures.Count > 0);
        }, Context.Lifetime.Token);
    }

    private void Delete()
    {
        if (Target() is not { } target) return;
        var plan = target.Commit is null ? _cache.PlanRemove(target.Repo, (string?)null) : _cache.PlanRemove(target.Repo, target.Commit);
        if (plan.IsEmpty)
        {
            Context.ShowStatus("Nothing to delete" + (plan.Warnings.Count > 0 ? ": " + plan.Warnings[0] : ""), true);
            return;
        }
        var what = target.Commit is null ? target.Repo.ToString() : $"{target.Repo} revision {target.Commit[..12]}";
        Context.Confirm($"Delete {what} from the cache? It frees {Format.Bytes(plan.BytesFreed)} ({plan.Deletions.Count} paths).", () =>
        {
            Context.ShowStatus($"Deleting {what}…", false);
            // Deleting gigabytes of blobs takes a while: off the UI thread, like the scan and the verify.
            Context.RunInBackground($"deleting {what}", _ => Task.FromResult(_cache.Execute(plan)), result =>
            {
                Context.ShowStatus(result.Failures.Count == 0
                    ? $"Deleted {what}: {Format.Bytes(result.BytesFreed)} freed" + (result.Skipped.Count > 0 ? $", {result.Skipped.Count} skipped (in use by a download)" : "")
                    : $"Deleting {what}: {result.Failures.Count} failures, first {result.Failures[0].Path}: {result.Failures[0].Message}", result.Failures.Count > 0);
                Rescan();
            }, Context.Lifetime.Token);
        }, () => Context.ShowStatus("Nothing deleted", false));
    }
}
