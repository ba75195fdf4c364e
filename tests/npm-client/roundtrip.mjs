// Round trip between songgen and the official @huggingface/hub client through a running SongGen Hub emulator.
// Usage: node roundtrip.mjs <hubUrl> <token> <repoId> download <outJson>   -> every file of main: { path: sha256 }
//        node roundtrip.mjs <hubUrl> <token> <repoId> commit <outJson>     -> commits known files (and deletes
//                                                                            "old.txt"); writes { path: sha256 } of what it added
import { createHash, randomBytes } from "node:crypto";
import { writeFile } from "node:fs/promises";
import * as hub from "@huggingface/hub";

const [hubUrl, accessToken, repoId, mode, outJson] = process.argv.slice(2);
if (!outJson || !["download", "commit"].includes(mode)) {
  console.error("usage: node roundtrip.mjs <hubUrl> <token> <repoId> download|commit <outJson>");
  process.exit(2);
}
const repo = { type: "model", name: repoId };
const common = { hubUrl, accessToken };
const sha256 = (bytes) => createHash("sha256").update(bytes).digest("hex");

if (mode === "download") {
  const result = {};
  for await (const file of hub.listFiles({ ...common, repo, recursive: true })) {
    if (file.type !== "file") continue;
    const blob = await hub.downloadFile({ ...common, repo, path: file.path });
    result[file.path] = sha256(Buffer.from(await blob.arrayBuffer()));
  }
  await writeFile(outJson, JSON.stringify(result));
} else {
  const files = {
    "from-js/readme.txt": Buffer.from("written by the JS client\n"),
    "from-js/weights.bin": Buffer.concat([Buffer.from([0]), randomBytes(20_000)]),
    "from-js/big.bin": Buffer.concat([Buffer.from([0]), randomBytes(300_000)]),
  };
  await hub.commit({
    ...common,
    repo,
    title: "Commit from the JS client",
    operations: [
      ...Object.entries(files).map(([path, bytes]) => ({ operation: "addOrUpdate", path, content: new Blob([bytes]) })),
      { operation: "delete", path: "old.txt" },
    ],
  });
  await writeFile(outJson, JSON.stringify(Object.fromEntries(Object.entries(files).map(([p, b]) => [p, sha256(b)]))));
}
