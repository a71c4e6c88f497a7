// The CPU's bf16 GEMM: operands packed into bf16 copies (their layout kept, transposition given
// to oneDNN as strides), one matmul primitive per shape with alpha as its output scale and beta
// as a sum post-op, writing C directly when it is dense and through an fp32 buffer when not.
#include "bf16_gemm.hpp"

#include <omp.h>

#include <dnnl.hpp>
#include <functional>
#include <tuple>
#include <unordered_map>
#include <vector>

#include "host_parallel.hpp"
#include "swag/core/float16.hpp"
#include "swag/ops/math_mode.hpp"

namespace swag::cpu {
namespace {

using dnnl::memory;

// A GEMM's shape and scalars, the key of its matmul.
struct Key {
  char ta, tb;
  std::int64_t m, n, k;
  float alpha, beta;
  bool dense_c, bias;
  bool operator==(const Key& o) const {
    return std::tie(ta, tb, m, n, k, alpha, beta, dense_c, bias) ==
           std::tie(o.ta, o.tb, o.m, o.n, o.k, o.alpha, o.beta, o.dense_c, o.bias);
  }
};

struct KeyHash {
  std::size_t operator()(const Key& key) const {
    std::size_t h = std::hash<int>{}(key.ta * 256 + key.tb);
    for (std::int64_t v : {key.m, key.n, key.k, std::int64_t{key.dense_c}, std::int64_t{key.bias}})
      h = h * 0x9E3779B97F4A7C15ull + std::hash<std::int64_t>{}(v);
    return h * 31 + std::hash<float>{}(key.alpha) * 7 + std::hash<float>{}(key.beta);
  }
};

// A matmul bound to memory objects whose data handles each call rebinds, and its scratchpad
// (no allocation per call).
struct Plan {
  memory a, b, c, bias;
  dnnl::matmul prim;
  std::unordered_map<int, memory> args;
};

// The dims {rows, cols} of op(X) over a packed copy of X, as strides: X is rows x cols when not
// transposed, cols x rows when transposed.
memory::desc operand_md(char trans, std::int64_t rows, std::int64_t cols) {
  const memory::dims strides = trans == 'N' ? memory::dims{cols, 1} : memory::dims{1, rows};
  return {{rows, cols}, memory::data_type::bf16, strides};
}

Plan make_plan(const Key& key, const dnnl::engine& e) {
  const memory::desc a_md = operand_md(key.ta, key.m, key.k);
  const memory::desc b_md = operand_md(key.tb, key.k, key.n);
  const memory::desc c_md({key.m, key.n}, memory::data_type::f32, memory::dims{key.n, 1});
  dnnl::primitive_attr attr;
  attr.set_scratchpad_mode(dnnl::scratchpad_mode::user);
  if (key.alpha != 1.0f) attr.set_output_scales(0, {key.alpha});
  if (key.dense_c && key.beta != 0.0f) {
    dnnl::post_ops ops;
    ops.append_sum(key.beta);
    attr.set_post_ops(ops);
  }
  const memory::desc bias_md({1, key.n}, memory::data_type::f32, memory::dims{key.n, 1});
  const dnnl::matmul::desc desc = key.bias ? dnnl::matmul::desc(a_md, b_md, bias_md, c_md)
                                           : dnnl::matmul::desc(a_md, b_md, c_md);
  const dnnl::matmul::primitive_desc pd(desc, attr, e);
  Plan p{memory(a_md, e, DNNL_MEMORY_NONE),
         memory(b_md, e, DNNL_MEMORY_NONE),
         memory(c_md, e, DNNL_MEMORY_NONE),
         memory(bias_md, e, DNNL_MEMORY_NONE),
         dnnl::matmul(pd),
         {}};
  p.args = {{DNNL_ARG_SRC, p.a},
            {DNNL_ARG_WEIGHTS, p.b},
            {DNNL_ARG_DST, p.c},
            {DNNL_ARG_SCRATCHPAD, memory(pd.scratchpad_desc(), e)}};
  if (key.bias) p.args[DNNL_ARG_BIAS] = p.bias;
  return p;
}

struct Context {
  dnnl::engine engine{dnnl::engine::kind::cpu, 0};
  dnnl::stream stream{engine};
  std::unordered_map<Key, Plan, KeyHash> plans;
  std::vector<bf16> a, b;
  std::vector<float> c;
};

Context& context() {
  thread_local Context c;
  return c;
}

}  // namespace

// In parallel at the top level, on the calling thread inside a parallel region.
void pack_bf16(const float* x, std::int64_t rows, std::int64_t cols, std::int64_t ld,
               std::vector<bf16>& out) {
  out.resize(static_cast<std::size_t>(rows * cols));
  bf16* const o = out.data();
  const auto row = [=](std::int64_t r) {
    for (std::int64_t j = 0; j < cols; ++j) o[r * cols + j] = to_bf16(x[r * ld + j]);
  };
  if (omp_in_parallel()) {
    for (std::int64_t r = 0; r < rows; ++r) row(r);
  } else {
    host_for(
        "swag::bf16_pack", rows, KOKKOS_LAMBDA(std::int64_t r) { row(r); });
  }
}

bool bf16_products() {
  static const bool cpu_has_bf16 = ops::cpu_bf16_missing().empty();
  return cpu_has_bf16 && ops::math_mode() == ops::MathMode::bf16;
}

void bf16_matmul(char trans_a, char trans_b, std::int64_t m, std::int64_t n, std::int64_t k,
                 float alpha, const bf16* a, const bf16* b, const float* bias, float beta, float* c,
                 std::int64_t ldc) {
  SWAG_CHECK(!bias || alpha == 1.0f, "bf16_matmul: a bias with alpha {} (1 only)", alpha);
  Context& ctx = context();
  const Key key{trans_a, trans_b, m, n, k, alpha, beta, ldc == n, bias != nullptr};
  try {
    auto it = ctx.plans.find(key);
    if (it == ctx.plans.end()) it = ctx.plans.emplace(key, make_plan(key, ctx.engine)).first;
    Plan& p = it->second;
    if (!key.dense_c) ctx.c.resize(static_cast<std::size_t>(m * n));
    float* const out = key.dense_c ? c : ctx.c.data();
    // oneDNN only reads SRC, WEIGHTS and BIAS; its memory handles are non-const.
    p.a.set_data_handle(const_cast<bf16*>(a));
    p.b.set_data_handle(const_cast<bf16*>(b));
    p.c.set_data_handle(out);
    if (bias) p.bias.set_data_handle(const_cast<float*>(bias));
    p.prim.execute(ctx.stream, p.args);
    ctx.stream.wait();
    if (!key.dense_c)
      for (std::int64_t i = 0; i < m; ++i)
        for (std::int64_t j = 0; j < n; ++j)
          c[i * ldc + j] = out[i * n + j] + (beta != 0.0f ? beta * c[i * ldc + j] : 0.0f);
  } catch (const dnnl::error& e) {
    fail(ExitCode::failure, "bf16 GEMM ({}{}, {}x{}x{}): oneDNN failed: {}", trans_a, trans_b, m, n,
         k, e.what());
  }
}

void bf16_gemm(char trans_a, char trans_b, std::int64_t m, std::int64_t n, std::int64_t k,
               float alpha, const float* a, std::int64_t lda, const float* b, std::int64_t ldb,
               float beta, float* c, std::int64_t ldc) {
  Context& ctx = context();
  // A is m x k (k x m transposed), B k x n (n x k), each row-major with its leading dimension.
  pack_bf16(a, trans_a == 'N' ? m : k, trans_a == 'N' ? k : m, lda, ctx.a);
  pack_bf16(b, trans_b == 'N' ? k : n, trans_b == 'N' ? n : k, ldb, ctx.b);
  bf16_matmul(trans_a, trans_b, m, n, k, alpha, ctx.a.data(), ctx.b.data(), nullptr, beta, c, ldc);
}

}  // namespace swag::cpu
