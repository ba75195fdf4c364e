// Drives the official @huggingface/hub client against a running SongGen Hub emulator and writes what it saw.
// Usage: node run.mjs <hubUrl> <token> <cacheDir> <outJson>
import { createHash } from "node:crypto";
import { readdir, readFile, writeFile, lstat } from "node:fs/promises";
import { join, relative } from "node:path";
import * as hub from "@huggingface/hub";

const [hubUrl, accessToken, cacheDir, outJson] = process.argv.slice(2);
if (!outJson) {
  console.error("usage: node run.mjs <hubUrl> <token> <cacheDir> <outJson>");
  process.exit(2);
}

const repo = { type: "model", name: "songgen/songgen-demo" };
const common = { hubUrl, accessToken };
const report = { hubUrl, steps: {} };

// Each step records its value or its error, so one failure does not hide the others.
async function step(name, action) {
  try {
    report.steps[name] = { ok: true, value: await action() };
  } catch (error) {
    report.steps[name] = { ok: false, error: String(error?.stack ?? error) };
  }
}

const sha256 = (bytes) => createHash("sha256").update(bytes).digest("hex");
const gitBlobSha1 = (bytes) =>
  createHash("sha1").update(Buffer.concat([Buffer.from(`blob ${bytes.length}\0`), bytes])).digest("hex");

async function collect(iterable) {
  const items = [];
  for await (const item of iterable) items.push(item);
  return items;
}

async function listTree(folder) {
  const entries = [];
  for (const name of await readdir(folder)) {
    const path = join(folder, name);
    const info = await lstat(path);
    entries.push({ path: relative(cacheDir, path), symlink: info.isSymbolicLink(), directory: info.isDirectory() });
    if (info.isDirectory()) entries.push(...(await listTree(path)));
  }
  return entries;
}

await step("whoAmI", async () => {
  const me = await hub.whoAmI(common);
  return { name: me.name, type: me.type, authType: me.auth?.type };
});

await step("listModels", async () =>
  (await collect(hub.listModels({ ...common, search: { query: "songgen" } }))).map((m) => ({ id: m.id, name: m.name, task: m.task, downloads: m.downloads })));

await step("listDatasets", async () => (await collect(hub.listDatasets({ ...common, search: { owner: "songgen" } }))).map((d) => d.name));

await step("modelInfo", async () => {
  const info = await hub.modelInfo({ ...common, name: repo.name, additionalFields: ["sha", "tags", "cardData"] });
  return { id: info.id, name: info.name, sha: info.sha, task: info.task, tags: info.tags, license: info.cardData?.license };
});

await step("modelInfoPullRequest", async () => (await hub.modelInfo({ ...common, name: repo.name, revision: "refs/pr/1", additionalFields: ["sha"] })).sha);

await step("listFiles", async () =>
  (await collect(hub.listFiles({ ...common, repo, recursive: true }))).map((f) => ({ type: f.type, path: f.path, size: f.size, oid: f.oid, lfsOid: f.lfs?.oid })));

await step("pathsInfo", async () =>
  (await hub.pathsInfo({ ...common, repo, paths: ["config.json", "model.safetensors", "missing.txt"], expand: true })).map((p) => ({
    path: p.path, type: p.type, oid: p.oid, size: p.size, lfsOid: p.lfs?.oid, lastCommit: p.lastCommit?.id,
  })));

await step("fileDownloadInfo", async () => {
  const lfs = await hub.fileDownloadInfo({ ...common, repo, path: "model.safetensors" });
  const regular = await hub.fileDownloadInfo({ ...common, repo, path: "config.json" });
  const missing = await hub.fileDownloadInfo({ ...common, repo, path: "missing.txt" });
  return { lfs: { etag: lfs.etag, size: lfs.size, url: lfs.url }, regular: { etag: regular.etag, size: regular.size }, missing };
});

await step("downloadFile", async () => {
  const result = {};
  for (const path of ["model.safetensors", "config.json", "tokenizer/spiece.model"]) {
    const blob = await hub.downloadFile({ ...common, repo, path });
    const bytes = Buffer.from(await blob.arrayBuffer());
    result[path] = { size: bytes.length, sha256: sha256(bytes), gitSha1: gitBlobSha1(bytes) };
  }
  return result;
});

await step("fileExists", async () => ({
  readme: await hub.fileExists({ ...common, repo, path: "README.md" }),
  missing: await hub.fileExists({ ...common, repo, path: "nope.txt" }),
}));

await step("repoExists", async () => ({
  demo: await hub.repoExists({ ...common, repo }),
  missing: await hub.repoExists({ ...common, repo: { type: "model", name: "songgen/does-not-exist" } }),
}));

await step("countCommits", async () => hub.countCommits({ ...common, repo }));

await step("listCommits", async () => (await collect(hub.listCommits({ ...common, repo, batchSize: 1 }))).map((c) => c.title));

await step("snapshotDownload", async () => {
  const folder = await hub.snapshotDownload({ repo, cacheDir, hubUrl, accessToken });
  const files = await listTree(cacheDir);
  const refMain = (await readFile(join(cacheDir, "models--songgen--songgen-demo", "refs", "main"), "utf8"));
  const snapshotFiles = {};
  for (const entry of await listTree(folder)) {
    if (entry.directory) continue;
    const bytes = await readFile(join(cacheDir, entry.path));
    snapshotFiles[relative(relative(cacheDir, folder), entry.path)] = { symlink: entry.symlink, size: bytes.length, sha256: sha256(bytes) };
  }
  return { folder: relative(cacheDir, folder), refMain, files: files.map((f) => f.path), snapshotFiles };
});

report.ok = Object.values(report.steps).every((s) => s.ok);
await writeFile(outJson, JSON.stringify(report, null, 2));
console.log(report.ok ? "all steps ok" : "some steps failed: " + Object.entries(report.steps).filter(([, s]) => !s.ok).map(([n]) => n).join(", "));
