"""setup-terraform's wrapper, offline: run terraform-bin beside this script, echo its
output, and set the calling step's outputs stdout, stderr and exitcode (a shebang line
naming the interpreter is put on top when the stand-in installs it)."""

import os
import subprocess
import sys
import threading
import uuid

BINARY = os.path.join(os.path.dirname(os.path.abspath(__file__)), "terraform-bin")


def pump(stream, sink, kept):
    for chunk in iter(lambda: stream.readline(), b""):
        kept.append(chunk)
        sink.buffer.write(chunk)
        sink.flush()


def output(name, value):
    target = os.environ.get("GITHUB_OUTPUT")
    if not target:
        return
    delimiter = "ghadelimiter_" + str(uuid.uuid4())
    with open(target, "a", encoding="utf-8") as handle:
        handle.write(f"{name}<<{delimiter}\n{value}\n{delimiter}\n")


def main():
    proc = subprocess.Popen([BINARY, *sys.argv[1:]], stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    out, err = [], []
    threads = [
        threading.Thread(target=pump, args=(proc.stdout, sys.stdout, out)),
        threading.Thread(target=pump, args=(proc.stderr, sys.stderr, err)),
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    code = proc.wait()
    output("stdout", b"".join(out).decode("utf-8", "replace"))
    output("stderr", b"".join(err).decode("utf-8", "replace"))
    output("exitcode", str(code))
    if code in (0, 2):  # 2: `plan -detailed-exitcode` found changes (a success)
        return 0
    print(f"::error::Terraform exited with code {code}.", flush=True)
    return code


if __name__ == "__main__":
    sys.exit(main())
