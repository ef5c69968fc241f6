"""neuralpower torch worker.

Builds layers and networks from the core's LayerSpec as torch modules (NCHW inside, NHWC shapes
outside) and times them in-process, so the pipe costs nothing per run. Protocol: one JSON object
per line on stdin (requests) and on stdout (answers); see docs/torch-worker.md. Standard library
and torch only.
"""

import json
import os
import sys
import time

PROTOCOL = 1


def parse_args(argv):
    opts = {"device": "cpu", "precision": "fp32", "cudnn_benchmark": True, "threads": 0}
    i = 0
    while i < len(argv):
        key, value = argv[i], argv[i + 1] if i + 1 < len(argv) else ""
        if key == "--device":
            opts["device"] = value
        elif key == "--precision":
            opts["precision"] = value
        elif key == "--cudnn-benchmark":
            opts["cudnn_benchmark"] = value == "1"
        elif key == "--threads":
            opts["threads"] = int(value)
        i += 2
    return opts


class Fault:
    """Test hook (NEURALPOWER_TORCH_WORKER_FAULT=crash|hang|garbage:OP:N): misbehave on the N-th OP.
    With NEURALPOWER_TORCH_WORKER_FAULT_ONCE=PATH it fires only while PATH does not exist."""

    def __init__(self):
        spec = os.environ.get("NEURALPOWER_TORCH_WORKER_FAULT", "")
        parts = spec.split(":")
        self.kind, self.op = (parts[0], parts[1]) if len(parts) >= 2 else ("", "")
        self.nth = int(parts[2]) if len(parts) >= 3 else 1
        self.once = os.environ.get("NEURALPOWER_TORCH_WORKER_FAULT_ONCE")
        self.seen = 0

    def check(self, op, send_raw):
        if op != self.op:
            return
        self.seen += 1
        if self.seen != self.nth or (self.once and os.path.exists(self.once)):
            return
        if self.once:
            open(self.once, "w").close()
        if self.kind == "crash":
            os._exit(9)
        if self.kind == "hang":
            time.sleep(3600)
        if self.kind == "garbage":
            send_raw("this is not JSON\n")


def same_pads(size, kernel, stride, dilation):
    """TensorFlow SAME rule, as the core infers shapes: ceil(in/stride), extra pad after."""
    out = -(-size // stride)
    eff = (kernel - 1) * dilation + 1
    total = max((out - 1) * stride + eff - size, 0)
    return total // 2, total - total // 2


def pads_of(padding, h, w, kh, kw, sh, sw, dh=1, dw=1):
    """(left, right, top, bottom) for F.pad."""
    if padding == "SAME":
        top, bottom = same_pads(h, kh, sh, dh)
        left, right = same_pads(w, kw, sw, dw)
        return left, right, top, bottom
    if padding == "VALID":
        return 0, 0, 0, 0
    return padding["left"], padding["right"], padding["top"], padding["bottom"]


def build_layer(torch, spec, inputs, batch, device, dtype):
    """A forward function over NCHW tensors for one LayerSpec; per-example input shapes are NHWC."""
    nn, F = torch.nn, torch.nn.functional
    kind = spec["kind"]
    h, w, c = inputs[0] if inputs else (0, 0, 0)

    def place(module):
        return module.to(device=device, dtype=dtype).eval()

    if kind == "conv":
        kh, kw, sh, sw = spec["kernelH"], spec["kernelW"], spec["strideH"], spec["strideW"]
        dh, dw = spec["dilationH"], spec["dilationW"]
        left, right, top, bottom = pads_of(spec["padding"], h, w, kh, kw, sh, sw, dh, dw)
        symmetric = left == right and top == bottom
        conv = place(
            nn.Conv2d(c, spec["filters"], (kh, kw), (sh, sw), (top, left) if symmetric else 0, (dh, dw),
                      spec["groups"], spec["bias"])
        )
        if symmetric:
            return lambda xs: conv(xs[0])
        return lambda xs: conv(F.pad(xs[0], (left, right, top, bottom)))
    if kind == "fc":
        linear = place(nn.Linear(h * w * c, spec["units"], spec["bias"]))
        units = spec["units"]
        return lambda xs: linear(xs[0].reshape(batch, -1)).reshape(batch, units, 1, 1)
    if kind == "pool":
        kh, kw, sh, sw = spec["kernelH"], spec["kernelW"], spec["strideH"], spec["strideW"]
        pads = pads_of(spec["padding"], h, w, kh, kw, sh, sw)
        # Max pooling pads with -inf so padding never wins; average pooling pads with 0 (as tfjs does).
        fill = float("-inf") if spec["mode"] == "max" else 0.0
        pool = nn.MaxPool2d((kh, kw), (sh, sw)) if spec["mode"] == "max" else nn.AvgPool2d((kh, kw), (sh, sw))
        if any(pads):
            return lambda xs: pool(F.pad(xs[0], pads, value=fill))
        return lambda xs: pool(xs[0])
    if kind == "globalpool":
        if spec["mode"] == "max":
            return lambda xs: F.adaptive_max_pool2d(xs[0], 1)
        return lambda xs: F.adaptive_avg_pool2d(xs[0], 1)
    if kind == "activation":
        fns = {
            "relu": F.relu, "relu6": F.relu6, "sigmoid": torch.sigmoid, "tanh": torch.tanh, "elu": F.elu,
            "leakyrelu": lambda x: F.leaky_relu(x, 0.2), "swish": F.silu, "linear": lambda x: x.clone(),
        }
        fn = fns[spec["fn"]]
        return lambda xs: fn(xs[0])
    if kind == "batchnorm":
        bn = nn.BatchNorm2d(c, eps=1e-3)
        bn.running_mean.normal_(0, 0.05)
        bn.running_var.uniform_(1, 1.1)
        bn = place(bn)
        return lambda xs: bn(xs[0])
    if kind == "add":
        def add(xs):
            y = xs[0] + xs[1]
            for x in xs[2:]:
                y = y + x
            return y
        return add
    if kind == "concat":
        return lambda xs: torch.cat(list(xs), 1) if len(xs) > 1 else xs[0].clone()
    if kind == "dropout":
        # Inference dropout is the identity; the paper's profiler ran the op, so the mask is applied.
        rate = spec["rate"]
        return lambda xs: F.dropout(xs[0], rate, training=True)
    if kind == "lrn":
        size = 2 * spec["depthRadius"] + 1
        # torch divides alpha by the window size; TensorFlow does not.
        lrn = nn.LocalResponseNorm(size, alpha=1e-4 * size, beta=0.75, k=1.0)
        return lambda xs: lrn(xs[0])
    if kind == "flatten":
        return lambda xs: xs[0].reshape(batch, -1, 1, 1)
    if kind == "reshape":
        th, tw, tc = spec["shape"]
        return lambda xs: xs[0].reshape(batch, tc, th, tw)
    if kind == "softmax":
        return lambda xs: F.softmax(xs[0], 1)
    if kind == "pad":
        p = (spec["left"], spec["right"], spec["top"], spec["bottom"])
        return lambda xs: F.pad(xs[0], p)
    raise ValueError('layer kind "%s" cannot be run' % kind)


class Worker:
    def __init__(self, torch, opts, send):
        self.torch, self.opts, self.send = torch, opts, send
        self.device = torch.device("cuda:0" if opts["device"] == "cuda" else "cpu")
        self.gpu = opts["device"] == "cuda"
        precision = opts["precision"]
        self.dtype = {"fp16": torch.float16, "bf16": torch.bfloat16}.get(precision, torch.float32)
        tf32 = precision == "tf32"
        torch.backends.cuda.matmul.allow_tf32 = tf32
        torch.backends.cudnn.allow_tf32 = tf32
        torch.backends.cudnn.benchmark = opts["cudnn_benchmark"]
        if opts["threads"] > 0:
            torch.set_num_threads(opts["threads"])
        torch.manual_seed(0)
        self.works = {}
        self.next_handle = 1

    def hello(self):
        t = self.torch
        info = {
            "protocol": PROTOCOL, "torch": t.__version__, "python": sys.version.split()[0],
            "device": self.opts["device"], "precision": self.opts["precision"],
            "cudnnBenchmark": self.opts["cudnn_benchmark"], "cuda": t.version.cuda,
            "cudnn": t.backends.cudnn.version() if t.backends.cudnn.is_available() else None,
            "threads": t.get_num_threads(),
        }
        if self.gpu:
            p = t.cuda.get_device_properties(0)
            info["gpu"] = {
                "name": p.name, "smCount": p.multi_processor_count, "memoryMiB": p.total_memory // (1 << 20),
                "computeCap": "%d.%d" % (p.major, p.minor),
            }
        return info

    def sync(self):
        if self.gpu:
            self.torch.cuda.synchronize()

    def tensor(self, shape, batch):
        h, w, c = shape
        return self.torch.randn(batch, c, h, w, device=self.device, dtype=self.dtype)

    def prepare(self, req):
        torch = self.torch
        if "layer" in req:
            layer = req["layer"]
            batch = layer["batch"]
            fn = build_layer(torch, layer["spec"], layer["inputs"], batch, self.device, self.dtype)
            xs = [self.tensor(s, batch) for s in layer["inputs"]]
            forward = lambda: fn(xs)
        else:
            net = req["network"]
            batch = net["batch"]
            x = self.tensor(net["input"], batch)
            built = [
                (l["name"], l["parents"], build_layer(torch, l["spec"], l["inputs"], batch, self.device, self.dtype))
                for l in net["layers"]
            ]

            def forward():
                outs = {}
                y = x
                for name, parents, fn in built:
                    y = fn([outs[p] for p in parents] if parents else [x])
                    outs[name] = y
                return y
        with torch.no_grad():
            y = forward()
            self.sync()
        n, c, h, w = y.shape if y.dim() == 4 else (y.shape[0], y.numel() // y.shape[0], 1, 1)
        handle = self.next_handle
        self.next_handle += 1
        self.works[handle] = forward
        return {"handle": handle, "outputShape": [n, h, w, c]}

    def work(self, req):
        forward = self.works.get(req.get("handle"))
        if forward is None:
            raise ValueError("no prepared work with handle %r" % req.get("handle"))
        return forward

    def block_ms(self, forward, runs):
        """Wall time of `runs` back-to-back passes with one synchronisation at the end."""
        torch = self.torch
        if self.gpu:
            start, end = torch.cuda.Event(enable_timing=True), torch.cuda.Event(enable_timing=True)
            torch.cuda.synchronize()
            start.record()
            for _ in range(runs):
                forward()
            end.record()
            torch.cuda.synchronize()
            return start.elapsed_time(end)
        t0 = time.perf_counter_ns()
        for _ in range(runs):
            forward()
        return (time.perf_counter_ns() - t0) / 1e6

    def time(self, req):
        """Warm-ups, then blocks of K runs until min blocks and min duration (or the budget) are reached."""
        forward = self.work(req)
        k = max(1, int(req.get("runsPerBlock", 1)))
        min_blocks, max_blocks = int(req.get("minBlocks", 1)), req.get("maxBlocks")
        min_duration_ms, budget_ms = float(req.get("minDurationMs", 0)), float(req.get("budgetMs", 30000))
        min_under_budget = int(req.get("minBlocksUnderBudget", 1))
        start = time.perf_counter_ns()

        def elapsed_ms(since):
            return (time.perf_counter_ns() - since) / 1e6

        with self.torch.no_grad():
            warmups = 0
            while warmups < int(req.get("warmupRuns", 0)) and not (warmups >= 1 and elapsed_ms(start) > budget_ms):
                self.block_ms(forward, 1)
                warmups += 1
            blocks, exhausted, timed_start = [], False, time.perf_counter_ns()
            while True:
                if len(blocks) >= min_blocks and elapsed_ms(timed_start) >= min_duration_ms:
                    break
                if max_blocks is not None and len(blocks) >= int(max_blocks):
                    break
                if len(blocks) >= min_under_budget and elapsed_ms(start) > budget_ms:
                    exhausted = True
                    break
                blocks.append(self.block_ms(forward, k))
        return {"warmupRuns": warmups, "runsPerBlock": k, "blockMs": blocks, "budgetExhausted": exhausted}

    def loop(self, req):
        """Back-to-back runs for a power window, bracketed by synchronisation (monotonic clock, ns)."""
        forward = self.work(req)
        min_ns, min_runs = float(req.get("minDurationMs", 0)) * 1e6, int(req.get("minRuns", 1))
        runs = 0
        with self.torch.no_grad():
            self.sync()
            t0 = time.monotonic_ns()
            while runs < min_runs or time.monotonic_ns() - t0 < min_ns:
                forward()
                runs += 1
                if self.gpu and runs % 64 == 0:
                    self.sync()  # bounds the queue so the window ends close to the requested time
            self.sync()
            t1 = time.monotonic_ns()
        return {"runs": runs, "startNs": t0, "endNs": t1}

    def run(self, req):
        forward = self.work(req)
        with self.torch.no_grad():
            for _ in range(max(1, int(req.get("runs", 1)))):
                forward()
            self.sync()
        return {}

    def dispose(self, req):
        self.works.pop(req.get("handle"), None)
        return {}


def main():
    # The protocol owns the real stdout; anything else printed (by torch or a library) goes to stderr.
    proto = os.fdopen(os.dup(1), "w", buffering=1)
    os.dup2(2, 1)
    sys.stdout = sys.stderr
    fault = Fault()

    def send_raw(text):
        proto.write(text)
        proto.flush()

    def send(obj):
        send_raw(json.dumps(obj, separators=(",", ":")) + "\n")

    opts = parse_args(sys.argv[1:])
    try:
        import torch
    except ImportError as err:
        send({"id": 0, "ok": False, "error": "torch is not installed for %s (%s)" % (sys.executable, err)})
        return 3
    if opts["device"] == "cuda" and not torch.cuda.is_available():
        build = "a CPU-only build" if torch.version.cuda is None else "built for CUDA %s" % torch.version.cuda
        send({"id": 0, "ok": False, "error": "CUDA is not available to torch %s (%s)" % (torch.__version__, build)})
        return 4
    try:
        worker = Worker(torch, opts, send)
        send({"id": 0, "ok": True, "hello": worker.hello()})
    except Exception as err:  # noqa: BLE001 - any start-up failure is reported as one line
        send({"id": 0, "ok": False, "error": "torch worker failed to start: %s" % err})
        return 5
    ops = {"prepare": worker.prepare, "time": worker.time, "loop": worker.loop, "run": worker.run,
           "dispose": worker.dispose}
    for line in sys.stdin:
        if not line.strip():
            continue
        try:
            req = json.loads(line)
            rid, op = req.get("id"), req.get("op")
        except (ValueError, AttributeError):
            send({"id": None, "ok": False, "error": "request is not a JSON object"})
            continue
        if op == "exit":
            send({"id": rid, "ok": True})
            return 0
        fault.check(op, send_raw)
        handler = ops.get(op)
        if handler is None:
            send({"id": rid, "ok": False, "error": "unknown op %r" % op})
            continue
        try:
            send(dict(handler(req), id=rid, ok=True))
        except Exception as err:  # noqa: BLE001 - a failing layer is an answer, not a dead worker
            send({"id": rid, "ok": False, "error": "%s: %s" % (type(err).__name__, err)})
    return 0


if __name__ == "__main__":
    sys.exit(main())
