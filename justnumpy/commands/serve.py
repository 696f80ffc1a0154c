"""Open a local web page where you draw a digit and watch the network read it, or train a new one.

Draw: the page shows your drawing prepared the way MNIST was, step by step, the ten
probabilities, the activations of each hidden layer, and whether the drawing looks like a digit at
all; "teach it" shows one backward pass and one gradient step on your drawing. Train: choose the
settings (the hidden layers, the activation and the loss among them), start, and watch the loss,
the accuracies and the hidden units' weights change while the same loop as `justnumpy train` runs
here; the Draw view then reads with the new network, and you can download it as a model file.
Training reads MNIST as `justnumpy train` does (--data-dir, $JUSTNUMPY_DATA, or the download
cache); it is loaded at the first training. The model file may be of any depth.

The server is Flask's built-in (werkzeug) development server: fine for one person on this machine,
not for the internet. It listens on 127.0.0.1 only, unless --host says otherwise; then anyone who
can reach that address can use the page, train on this machine and download the model, and
`serve` says so (docs/your-digit.md, "Sharing the page", has a safer way).

examples:
  justnumpy serve model.npz                 # then open http://127.0.0.1:8000/
  justnumpy serve model.npz --port 5000
"""

from __future__ import annotations

import argparse
import ctypes
import sys
from pathlib import Path

from justnumpy.commands.options import add_data_options, load_data

HELP = "draw a digit in your browser and watch the network read it, or train one and watch it learn"


def port_number(text: str) -> int:
    """argparse type: a TCP port, 0 (any free port) to 65535."""
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a port number") from None
    if not 0 <= value <= 65535:
        raise argparse.ArgumentTypeError(f"a port is 0..65535, got {value}")
    return value


def add_arguments(p: argparse.ArgumentParser) -> None:
    """Options of `justnumpy serve`."""
    p.add_argument("model", help="a .npz model file written by `justnumpy train`")
    p.add_argument(
        "--host", default="127.0.0.1", help="address to listen on (default %(default)s: only this machine)"
    )
    p.add_argument("--port", type=port_number, default=8000, help="default %(default)s; 0 picks a free port")
    add_data_options(p, with_dataset=False)


def run(args: argparse.Namespace) -> int:
    """Load the model and serve the page until Ctrl-C."""
    import os
    import socket

    from werkzeug.serving import make_server

    from justnumpy import model as models
    from justnumpy import web
    from justnumpy.errors import JustNumpyError
    from justnumpy.web import guard

    net, params, meta, extra = models.load(args.model)  # any depth; the net its meta names
    model = web.model_from_file(params, meta, extra, Path(args.model).name, net)
    app = web.create_app(model, training_data=lambda: load_data("mnist", args), host=args.host)
    # Bind the socket ourselves: werkzeug would print its own message and exit on a taken port.
    family = socket.AF_INET6 if ":" in args.host else socket.AF_INET
    try:
        sock = socket.create_server((args.host, args.port), family=family)
    except OSError as e:  # port taken, address not on this machine, no permission
        # create_server's own message repeats the address; the plain reason is clearer
        if not e.errno:
            reason = str(e)
        elif e.errno < 0:  # getaddrinfo's codes are negative: the host name does not resolve
            reason = "unknown host name"
        else:
            reason = os.strerror(e.errno)
        raise JustNumpyError(f"cannot listen on {args.host}:{args.port} ({reason})") from None
    with sock:
        server = make_server(
            args.host, args.port, app, threaded=True, fd=sock.fileno(), request_handler=guard.RequestHandler
        )
    host = f"[{args.host}]" if ":" in args.host else args.host
    address, port = server.socket.getsockname()[:2]  # the real port, also when --port 0 asked for any
    if not guard.is_loopback(address):
        print(
            f"justnumpy: warning: listening on {host}:{port}, not only on this machine: anyone who can "
            "reach it can draw, start and stop trainings on this machine and download the served model, "
            'with no password and no encryption (docs/your-digit.md, "Sharing the page")',
            file=sys.stderr,
            flush=True,
        )
    returnable_memory()
    print(f"serving {args.model} on http://{host}:{port}/  (Ctrl-C to stop)", flush=True)
    try:
        server.serve_forever()
    finally:
        server.server_close()
    return 0


def returnable_memory() -> None:
    """Let a long-running server give back the memory of each finished training.

    glibc raises its threshold for giving big blocks their own mapping as they are freed, so a
    run's arrays end up in heaps that stay resident after it; a fixed threshold returns them.
    Elsewhere (macOS, musl) there is no mallopt, and nothing to do.
    """
    m_mmap_threshold = -3  # glibc's <malloc.h>
    try:
        ctypes.CDLL(None).mallopt(m_mmap_threshold, 128 * 1024)  # glibc's own default, kept fixed
    except (AttributeError, OSError):
        pass
