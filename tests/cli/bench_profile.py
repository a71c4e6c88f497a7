"""`swag bench --profile`: each op's calls per step, against the layers of torchvision's model.

    bench_profile.py SWAG_EXE        (run with /usr/bin/python3)

RegNetY-400MF, training and inference: the convolutions (torchvision's Conv2d outside the
squeeze-excitation blocks), batch norms, linear layers (the head and the two 1x1 convolutions
of each SE block, linear layers in swag) and SE blocks of torchvision's regnet_y_400mf must be
the calls of conv2d, batchnorm, linear and channel_scale per step; a training step has one
backward call for each, an inference step none. The ops' time is a part of the step's time
(disjoint intervals on the CPU) and, on these shapes, most of it.
"""
import json
import subprocess
import sys

import torch.nn as nn
import torchvision
from torchvision.ops.misc import SqueezeExcitation

swag = sys.argv[1]

model = torchvision.models.regnet_y_400mf()
in_se = {id(m) for se in model.modules() if isinstance(se, SqueezeExcitation)
         for m in se.modules()}
layers = {
    "conv2d": sum(isinstance(m, nn.Conv2d) and id(m) not in in_se for m in model.modules()),
    "batchnorm": sum(isinstance(m, nn.BatchNorm2d) for m in model.modules()),
    "linear": sum(isinstance(m, nn.Linear) or (isinstance(m, nn.Conv2d) and id(m) in in_se)
                  for m in model.modules()),
    "channel_scale": sum(isinstance(m, SqueezeExcitation) for m in model.modules()),
}
print("torchvision regnet_y_400mf:", layers)

for mode in ("train", "infer"):
    r = subprocess.run([swag, "bench", "--model", "regnety_400mf", "--mode", mode, "--batch", "2",
                        "--resolution", "32", "--iters", "2", "--warmup", "1", "--threads", "1",
                        "--profile", "--json"], capture_output=True, text=True)
    assert r.returncode == 0, r.stderr
    p = json.loads(r.stdout)["profile"]
    calls = {op["op"]: op["calls_per_step"] for op in p["ops"]}
    print(f"{mode}: {p['step_ms']:.2f} ms per step, {p['ops_ms']:.2f} ms in ops: {calls}")
    forward = {"conv2d": "conv2d_forward", "linear": "linear_forward",
               "channel_scale": "channel_scale_forward",
               "batchnorm": "batchnorm_forward_train" if mode == "train" else "batchnorm_forward_eval"}
    for layer, op in forward.items():
        assert calls.get(op) == layers[layer], (mode, op, calls.get(op), layers[layer])
    backward = {op: n for op, n in calls.items() if op.endswith("_backward")}
    if mode == "train":
        for layer in layers:
            assert calls.get(f"{layer}_backward") == layers[layer], (layer, backward)
        assert calls.get("softmax_cross_entropy_backward") == 1, calls
    else:
        assert not backward and "sgd_update" not in calls, calls
    assert 0 < p["ops_ms"] <= p["step_ms"], p
    assert p["ops_ms"] >= 0.5 * p["step_ms"], f"the ops are only {p['ops_ms']} of {p['step_ms']} ms"
print("ok")
