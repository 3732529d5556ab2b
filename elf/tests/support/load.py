"""Load a shared library the way the editor's real-library tests check it.

usage: load.py dlopen PATH [SYMBOL]     dlopen(PATH, RTLD_NOW) and dlsym(SYMBOL)
       load.py extension PATH MODULE    import PATH as the extension module MODULE (calls
                                        its PyInit_MODULE), print how many names it defines
       load.py batch                    read `PATH<TAB>SYMBOL` lines from stdin and dlopen each
                                        in a forked child (60 s limit); print `ok` or
                                        `fail<TAB>reason` per line, in order

Runs inside a CPython process so that extension modules find libpython's symbols. Exits
non-zero with the loader's message on failure.
"""

import ctypes
import importlib.machinery
import importlib.util
import os
import signal
import sys


def load_in_child(path, symbol):
    """dlopen in a forked child so that a crashing constructor cannot take the batch down."""
    read_end, write_end = os.pipe()
    pid = os.fork()
    if pid == 0:
        os.close(read_end)
        signal.alarm(60)
        try:
            library = ctypes.CDLL(path, mode=os.RTLD_NOW | os.RTLD_LOCAL)
            if symbol:
                getattr(library, symbol)
            message = b"ok"
        except BaseException as error:  # noqa: BLE001 - everything is a load failure here
            message = ("fail\t" + str(error).replace("\n", " ")).encode()
        os.write(write_end, message)
        os._exit(0)
    os.close(write_end)
    chunks = []
    while True:
        chunk = os.read(read_end, 65536)
        if not chunk:
            break
        chunks.append(chunk)
    os.close(read_end)
    _, status = os.waitpid(pid, 0)
    message = b"".join(chunks).decode(errors="replace")
    if not message:
        return f"fail\tchild died with status {status}"
    return message


def main():
    mode = sys.argv[1]
    path = sys.argv[2] if len(sys.argv) > 2 else None
    if mode == "dlopen":
        library = ctypes.CDLL(path, mode=os.RTLD_NOW | os.RTLD_LOCAL)
        if len(sys.argv) > 3:
            getattr(library, sys.argv[3])
        print("ok")
    elif mode == "extension":
        name = sys.argv[3]
        loader = importlib.machinery.ExtensionFileLoader(name, path)
        spec = importlib.util.spec_from_loader(name, loader)
        module = importlib.util.module_from_spec(spec)
        print(len(dir(module)))
    elif mode == "batch":
        for line in sys.stdin:
            path, _, symbol = line.rstrip("\n").partition("\t")
            print(load_in_child(path, symbol), flush=True)
    else:
        sys.exit(f"unknown mode {mode}")


if __name__ == "__main__":
    main()
