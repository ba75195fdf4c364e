// Drives the official @huggingface/hub client's write side against a running SongGen Hub emulator and writes what
// it saw. The emulator must use a small multipart threshold (the C# test passes 100,000 bytes, 40,000-byte parts).
// Usage: node upload.mjs <hubUrl> <token> <outJson>
import { createHash, randomBytes } from "node:crypto";
import { writeFile } from "node:fs/promises";
import * as hub from "@huggingface/hub";

const [hubUrl, accessToken, outJson] = process.argv.slice(2);
if (!outJson) {
  console.error("usage: node upload.mjs <hubUrl> <token> <outJson>");
  process.exit(2);
}

const repo = { type: "model", name: "alice/js-upload" };
const common = { hubUrl, accessToken };
const report = { hubUrl, steps: {} };

// Each step records its value or its error, so one failure does not hide the others.
async function step(name, action) {
  try {
    report.steps[name] = { ok: true, value: await action() };
  } catch (error) {
    report.steps[name] = { ok: false, error: String(error?.stack ?? error), status: error?.statusCode };
  }
}

// A step that must fail: records the HTTP status of the error.
async function failing(name, action) {
  try {
    await action();
    report.steps[name] = { ok: false, error: "expected an error" };
  } catch (error) {
    report.steps[name] = { ok: true, value: { status: error?.statusCode ?? null, message: String(error?.message ?? error) } };
  }
}

const sha256 = (bytes) => createHash("sha256").update(bytes).digest("hex");
const text = Buffer.from("Hello from the JS client\n");
const weights = randomBytes(20_000); // *.bin: LFS by the default .gitattributes, one PUT
const big = randomBytes(150_000); // above the multipart threshold: 4 parts in parallel
big[0] = 0; // binary for certain: the Hub's LFS decision samples the first bytes for a NUL (random bytes miss it 14% of the time)
report.uploaded = { "hello.txt": sha256(text), "weights.bin": sha256(weights), "data/big.dat": sha256(big) };

await step("createRepo", async () => (await hub.createRepo({ ...common, repo })).repoUrl);
await failing("createRepoAgain", () => hub.createRepo({ ...common, repo }));

await step("uploadFiles", async () => {
  const result = await hub.uploadFiles({
    ...common,
    repo,
    commitTitle: "Upload from the JS client",
    commitDescription: "three files",
    files: [
      { path: "hello.txt", content: new Blob([text]) },
      { path: "weights.bin", content: new Blob([weights]) },
      { path: "data/big.dat", content: new Blob([big]) },
    ],
  });
  return { oid: result?.commit?.oid, url: result?.commit?.url };
});
const firstCommit = report.steps.uploadFiles.value?.oid;

await step("listFiles", async () => {
  const files = [];
  for await (const file of hub.listFiles({ ...common, repo, recursive: true })) {
    files.push({ path: file.path, type: file.type, size: file.size, oid: file.oid, lfsOid: file.lfs?.oid });
  }
  return files;
});

await step("download", async () => {
  const result = {};
  for (const path of ["hello.txt", "weights.bin", "data/big.dat"]) {
    const blob = await hub.downloadFile({ ...common, repo, path });
    result[path] = sha256(Buffer.from(await blob.arrayBuffer()));
  }
  return result;
});

await step("deleteAndAdd", async () => {
  const result = await hub.commit({
    ...common,
    repo,
    title: "Replace hello with a note",
    parentCommit: firstCommit,
    operations: [
      { operation: "delete", path: "hello.txt" },
      { operation: "addOrUpdate", path: "notes/a.md", content: new Blob(["# note\n"]) },
    ],
  });
  return result?.commit?.oid;
});

await failing("staleParent", () =>
  hub.commit({
    ...common,
    repo,
    title: "Based on an old head",
    parentCommit: firstCommit,
    operations: [{ operation: "addOrUpdate", path: "late.txt", content: new Blob(["late"]) }],
  }));

await step("pullRequest", async () => {
  const result = await hub.uploadFile({ ...common, repo, isPullRequest: true, file: { path: "proposal.txt", content: new Blob(["proposal"]) } });
  return result?.pullRequestUrl;
});

await step("pullRequestInfo", async () =>
  (await hub.modelInfo({ ...common, name: repo.name, revision: "refs/pr/1", additionalFields: ["sha"] })).sha);

await step("branches", async () => {
  await hub.createBranch({ ...common, repo, branch: "dev" });
  const dev = await hub.uploadFile({ ...common, repo, branch: "dev", file: { path: "dev.txt", content: new Blob(["dev"]) } });
  await hub.createBranch({ ...common, repo, branch: "gone" });
  await hub.deleteBranch({ ...common, repo, branch: "gone" });
  return dev?.commit?.oid;
});

await step("deleteRepo", async () => {
  const doomed = { type: "dataset", name: "alice/js-doomed" };
  await hub.createRepo({ ...common, repo: doomed });
  await hub.deleteRepo({ ...common, repo: doomed });
  return await hub.repoExists({ ...common, repo: doomed });
});

await writeFile(outJson, JSON.stringify(report, null, 2));
