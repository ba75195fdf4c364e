#!/usr/bin/env bash
# End-to-end check of `songgen tui` in a real terminal (tmux): against `songgen hub serve --seed-demo`, type a search,
# open the demo repo, select every file, download, see "completed", check the files in the cache, quit with Ctrl+Q.
# Then a restart shows the persisted queue again. Exit 0 on success.
#   bash tests/e2e/tui-tmux.sh            (builds src/SongGen.Cli in Release first; SONGGEN_BIN=path skips that)
set -euo pipefail
cd "$(dirname "$0")/../.."

command -v tmux >/dev/null || { echo "tui-tmux: tmux is not installed (apt-get install tmux)"; exit 2; }
if [[ -z "${SONGGEN_BIN:-}" ]]; then
  dotnet build src/SongGen.Cli -c Release -v quiet -nologo >/dev/null
  SONGGEN_BIN="$PWD/src/SongGen.Cli/bin/Release/net10.0/songgen"
fi

work=$(mktemp -d /tmp/songgen-tui-e2e.XXXXXX)
session="songgen-e2e-$$"
serve_pid=""
cleanup() {
  tmux kill-session -t "$session" 2>/dev/null || true
  [[ -n "$serve_pid" ]] && kill "$serve_pid" 2>/dev/null || true
  rm -rf "$work"
}
trap cleanup EXIT

"$SONGGEN_BIN" hub serve --root "$work/hub" --seed-demo >"$work/serve.log" 2>&1 &
serve_pid=$!
for _ in $(seq 1 300); do grep -q "export HF_ENDPOINT=" "$work/serve.log" 2>/dev/null && break; sleep 0.1; done
endpoint=$(sed -n 's/.*export HF_ENDPOINT=//p' "$work/serve.log")
[[ -n "$endpoint" ]] || { echo "tui-tmux: the emulator did not start"; cat "$work/serve.log"; exit 1; }

screen() { tmux capture-pane -p -t "$session"; }
wait_for() { # text [seconds]
  local deadline=$((SECONDS + ${2:-60}))
  until screen | grep -qF -- "$1"; do
    if (( SECONDS > deadline )); then
      echo "tui-tmux: timed out waiting for '$1'; the screen was:"; screen; exit 1
    fi
    sleep 0.2
  done
}
start_tui() {
  tmux new-session -d -s "$session" -x 140 -y 40 \
    "HF_ENDPOINT=$endpoint HF_TOKEN=hf_emulator_alice_token HF_HUB_CACHE=$work/cache HF_HOME=$work/hf-home \
     '$SONGGEN_BIN' tui --queue-file '$work/queue.json'; echo \"exit code \$?\"; sleep 30"
}

start_tui
wait_for "songgen/songgen-demo"
tmux send-keys -t "$session" "songgen-demo"
wait_for "1 models"
tmux send-keys -t "$session" Enter Enter           # search box -> list -> open
wait_for "model.safetensors"
wait_for "LFS"
tmux send-keys -t "$session" a                     # select every file
wait_for "Selected: 5 files"
tmux send-keys -t "$session" d                     # queue them; the downloads screen comes up
wait_for "completed" 120
tmux send-keys -t "$session" C-q
wait_for "exit code 0"

snapshot=$(ls -d "$work"/cache/models--songgen--songgen-demo/snapshots/*)
for file in README.md config.json model.safetensors tokenizer/spiece.model .gitattributes; do
  [[ -s "$snapshot/$file" ]] || { echo "tui-tmux: $file is missing from $snapshot"; exit 1; }
done
grep -q '"Completed"' "$work/queue.json" || { echo "tui-tmux: the queue file does not record the completion"; exit 1; }

# A restart shows the persisted queue.
tmux kill-session -t "$session"
start_tui
wait_for "songgen/songgen-demo"
tmux send-keys -t "$session" F4
wait_for "completed"
wait_for "5/5"
tmux send-keys -t "$session" C-q
wait_for "exit code 0"
echo "tui-tmux: passed (search, open, select, download, completed, files in the cache, queue restored after restart)"
