"""The categories of tools/gpu/bench_side_by_side.py's gap table.

    gpu_bench_categories.py SWAG_EXE        (run with /usr/bin/python3)

Every op that `swag bench --profile` reports for a RegNetY and a ViT training step has its
category (none is "other"), and typical names of PyTorch's aten ops and of the CUDA kernels in
PyTorch's GPU profiles (cuDNN, cuBLAS, Triton, flash attention) land where they belong.
"""
import json
import os
import subprocess
import sys

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "..", "tools", "gpu"))
from bench_side_by_side import category  # noqa: E402

swag = sys.argv[1]
swag_ops = set()
for model in ("regnety_test", "vit_test"):
    r = subprocess.run([swag, "bench", "--model", model, "--batch", "2", "--resolution", "32",
                        "--num-classes", "10", "--iters", "1", "--warmup", "0", "--profile",
                        "--json"], capture_output=True, text=True, check=True)
    swag_ops |= {op["op"] for op in json.loads(r.stdout)["profile"]["ops"]}
uncategorized = sorted(op for op in swag_ops if category(op) == "other")
assert not uncategorized, f"swag ops without a category: {uncategorized}"
print("swag:", {op: category(op) for op in sorted(swag_ops)})

expected = {
    # swag
    "conv2d_backward": "convolution", "linear_forward": "linear (GEMM)",
    "attention_backward": "attention", "batchnorm_forward_train": "normalization",
    "layer_norm_backward": "normalization", "channel_scale_forward": "element-wise",
    "add_forward": "element-wise", "sgd_update": "optimizer", "convert": "layout, conversion",
    "softmax_cross_entropy_forward": "loss",
    # PyTorch on the CPU
    "aten::convolution_backward": "convolution", "aten::mkldnn_convolution": "convolution",
    "aten::native_batch_norm_backward": "normalization", "aten::native_layer_norm": "normalization",
    "aten::addmm": "linear (GEMM)", "aten::mm": "linear (GEMM)", "aten::bmm": "linear (GEMM)",
    "aten::threshold_backward": "element-wise", "aten::gelu": "element-wise",
    "aten::_log_softmax": "loss", "aten::_native_multi_head_attention": "attention",
    # PyTorch's CUDA kernels
    "sm90_xmma_fprop_implicit_gemm_bf16bf16_bf16f32_f32_nhwckrsc_nhwc_tilesize128x128x64":
        "convolution",
    "sm90_xmma_wgrad_implicit_gemm_indexed_bf16bf16_bf16f32_f32_nhwckrsc_nhwc": "convolution",
    "sm90_xmma_gemm_bf16bf16_bf16f32_f32_tn_n_tilesize128x128x64_warpgroupsize1x1x1":
        "linear (GEMM)",
    "nvjet_tst_128x256_64x4_1x2_h_bz_coopA_NNT": "linear (GEMM)",
    "void pytorch_flash::flash_bwd_dq_dk_dv_loop_seqk_parallel_kernel<Flash_bwd_kernel_traits>":
        "attention",
    "triton_red_fused__native_batch_norm_legit_functional_relu_3": "normalization",
    "triton_poi_fused_add_convolution_relu_7": "element-wise",
    "void cudnn::bn_fw_tr_1C11_singleread_spec_kernel<__nv_bfloat16, float>": "normalization",
    "void at::native::vectorized_elementwise_kernel<4, at::native::CUDAFunctor_add<float>>":
        "element-wise",
    "void at::native::multi_tensor_apply_kernel<at::native::FusedSgdMathFunctor<float>>":
        "optimizer",
}
wrong = {name: (category(name), want) for name, want in expected.items() if category(name) != want}
assert not wrong, f"(got, expected): {wrong}"
print(f"ok: {len(swag_ops)} swag ops and {len(expected)} named cases")
