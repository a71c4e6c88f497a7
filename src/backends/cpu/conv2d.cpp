// Convolution on oneDNN, with NHWC activations and OIHW user weights. Each descriptor gets a
// plan built once: primitives, scratchpads, reordered copies and argument lists, so a training
// step allocates nothing after its first call. Two shapes leave the general path, for speed
// (doc/engine.md, "Convolutions on the CPU"): plain 1x1 convolutions run as sgemm, and groups
// of 8 channels run on nChw8c copies. bf16 and f16 activations run the fp32 path on widened
// copies (gemm_staging.hpp); bf16 math reads bf16 copies of x, w and dy (ops/math_mode.hpp).
#include <dnnl.hpp>
#include <functional>
#include <optional>
#include <string_view>
#include <unordered_map>

#include "bf16_gemm.hpp"
#include "gemm.hpp"
#include "gemm_staging.hpp"
#include "swag/backends/cpu/cpu_ops.hpp"

namespace swag::cpu {
namespace {

using dnnl::memory;
using Args = std::unordered_map<int, memory>;
using Desc = ops::Conv2dDesc;

struct DescHash {
  std::size_t operator()(const Desc& d) const {
    std::size_t h = 0;
    for (std::int64_t v : {d.batch, d.in_channels, d.out_channels, d.height, d.width,
                           std::int64_t{d.kernel}, std::int64_t{d.stride}, std::int64_t{d.padding},
                           std::int64_t{d.groups}, std::int64_t{d.bias}})
      h = h * 0x9E3779B97F4A7C15ull + std::hash<std::int64_t>{}(v);
    return h;
  }
};

using Type = memory::data_type;

// x (and dx), y (and dy): NHWC as the user's, or as the primitives read and write them.
memory::desc input_md(const Desc& d, Type type = Type::f32,
                      memory::format_tag layout = memory::format_tag::nhwc) {
  return {{d.batch, d.in_channels, d.height, d.width}, type, layout};
}

memory::desc output_md(const Desc& d, Type type = Type::f32,
                       memory::format_tag layout = memory::format_tag::nhwc) {
  return {{d.batch, d.out_channels, d.out_height(), d.out_width()}, type, layout};
}

// The user's OIHW weights, or (any) whatever layout the primitive prefers. oneDNN's grouped
// weights {G, O/G, I/G, kh, kw} in goihw are the same memory as OIHW.
memory::desc weight_md(const Desc& d, bool user_layout, Type type = Type::f32) {
  using tag = memory::format_tag;
  const std::int64_t k = d.kernel, g = d.groups;
  if (g == 1)
    return {{d.out_channels, d.in_channels, k, k}, type, user_layout ? tag::oihw : tag::any};
  return {
      {g, d.out_channels / g, d.in_channels / g, k, k}, type, user_layout ? tag::goihw : tag::any};
}

// A tensor as a primitive wants it: the user's memory itself when the layouts and types agree,
// else a private copy and the reorder that fills it from (or drains it into) the user's memory.
struct Staged {
  memory mem;
  dnnl::reorder reorder;
  Args reorder_args;

  Staged(const memory& user, const memory::desc& wanted, bool drains_into_user) : mem(user) {
    if (wanted == user.get_desc()) return;
    mem = memory(wanted, user.get_engine());
    const memory& from = drains_into_user ? mem : user;
    const memory& to = drains_into_user ? user : mem;
    reorder = dnnl::reorder(from, to);
    reorder_args = {{DNNL_ARG_FROM, from}, {DNNL_ARG_TO, to}};
  }
  void run(const dnnl::stream& s) const {
    if (reorder) reorder.execute(s, reorder_args);
  }
};

// A primitive bound to its arguments and its own scratchpad (user mode: no per-call allocation).
struct Step {
  dnnl::primitive prim;
  Args args;

  Step(const dnnl::primitive_desc& pd, Args a) : prim(pd), args(std::move(a)) {
    args[DNNL_ARG_SCRATCHPAD] = memory(pd.scratchpad_desc(), pd.get_engine());
  }
  void run(const dnnl::stream& s) const { prim.execute(s, args); }
};

// A primitive with the weights it reads (or the weight gradient it writes) in its own layout.
struct Stage {
  Staged weights;
  Step step;
};

struct Plan {
  // The type the primitives read x, w and dy in: f32, or bf16 in bf16 math.
  Type in_type;
  // oneDNN floors the output size like PyTorch, so symmetric padding is valid even where the
  // stride never reaches the last input rows or the bottom padding.
  memory::dims strides, padding;
  // The user's tensors; their data handles are rebound on every call.
  memory x, y, w, b, dx, dy, dw, db;
  memory::format_tag layout;  // of the activations, as the primitives see them
  // x and dy as the primitives read them: the user's memory, or bf16 or nChw8c copies; y and dx
  // as they write them, drained into the user's memory when they are copies.
  Staged x_in, dy_in, y_out, dx_out;
  dnnl::convolution_forward::primitive_desc fwd_pd;
  Stage fwd;
  std::optional<Stage> bwd_data, bwd_weights;  // built by the first backward that needs them

  Plan(const Desc& d, const dnnl::engine& e, bool bf16);
  const Stage& backward_data(const Desc& d);
  const Stage& backward_weights(const Desc& d);
};

dnnl::primitive_attr user_scratchpad() {
  dnnl::primitive_attr attr;
  attr.set_scratchpad_mode(dnnl::scratchpad_mode::user);
  return attr;
}

memory unbound(const memory::desc& md, const dnnl::engine& e) {
  return memory(md, e, DNNL_MEMORY_NONE);
}

memory::desc bias_md(const Desc& d) {
  return {{d.out_channels}, Type::f32, memory::format_tag::x};
}

// The three passes' primitive descriptors, from the activations as the primitives see them. The
// weights are read in x's (dy's) type, bf16 in bf16 math; dw and db are fp32.
dnnl::convolution_forward::primitive_desc forward_pd(const memory::desc& src,
                                                     const memory::desc& dst, const Desc& d,
                                                     const dnnl::engine& e,
                                                     const memory::dims& strides,
                                                     const memory::dims& pad) {
  const auto wts = weight_md(d, false, src.data_type());
  const auto alg = dnnl::algorithm::convolution_direct;
  const auto prop = dnnl::prop_kind::forward_training;
  const auto desc =
      d.bias
          ? dnnl::convolution_forward::desc(prop, alg, src, wts, bias_md(d), dst, strides, pad, pad)
          : dnnl::convolution_forward::desc(prop, alg, src, wts, dst, strides, pad, pad);
  return {desc, user_scratchpad(), e};
}

dnnl::convolution_backward_data::primitive_desc backward_data_pd(
    const memory::desc& diff_src, const memory::desc& diff_dst, const Desc& d,
    const memory::dims& strides, const memory::dims& pad,
    const dnnl::convolution_forward::primitive_desc& fwd) {
  const dnnl::convolution_backward_data::desc desc(dnnl::algorithm::convolution_direct, diff_src,
                                                   weight_md(d, false, diff_dst.data_type()),
                                                   diff_dst, strides, pad, pad);
  return {desc, user_scratchpad(), fwd.get_engine(), fwd};
}

dnnl::convolution_backward_weights::primitive_desc backward_weights_pd(
    const memory::desc& src, const memory::desc& diff_dst, const Desc& d,
    const memory::dims& strides, const memory::dims& pad,
    const dnnl::convolution_forward::primitive_desc& fwd) {
  using WeightsDesc = dnnl::convolution_backward_weights::desc;
  const auto alg = dnnl::algorithm::convolution_direct;
  const auto wts = weight_md(d, false);
  const auto desc = d.bias ? WeightsDesc(alg, src, wts, bias_md(d), diff_dst, strides, pad, pad)
                           : WeightsDesc(alg, src, wts, diff_dst, strides, pad, pad);
  return {desc, user_scratchpad(), fwd.get_engine(), fwd};
}

bool is_reference(const dnnl::primitive_desc_base& pd) {
  return std::string_view(pd.impl_info_str()).starts_with("ref");
}

// The layout the primitives read and write activations in: nChw8c for groups of 8 channels in
// fp32 (bf16 has only reference kernels there), unless oneDNN has only its reference kernel for
// one of the three passes (as for 2x2 images); otherwise the user's NHWC.
memory::format_tag primitive_layout(const Desc& d, const dnnl::engine& e, Type in_type,
                                    const memory::dims& strides, const memory::dims& pad) {
  const auto nhwc = memory::format_tag::nhwc, blocked = memory::format_tag::nChw8c;
  if (d.groups == 1 || d.in_channels / d.groups != 8 || d.out_channels / d.groups != 8 ||
      in_type != Type::f32)
    return nhwc;
  const auto src = input_md(d, in_type, blocked), dst = output_md(d, in_type, blocked);
  const auto fwd = forward_pd(src, dst, d, e, strides, pad);
  const auto data = backward_data_pd(input_md(d, Type::f32, blocked), dst, d, strides, pad, fwd);
  const auto weights = backward_weights_pd(src, dst, d, strides, pad, fwd);
  return is_reference(fwd) || is_reference(data) || is_reference(weights) ? nhwc : blocked;
}

Plan::Plan(const Desc& d, const dnnl::engine& e, bool bf16)
    : in_type(bf16 ? Type::bf16 : Type::f32),
      strides{d.stride, d.stride},
      padding{d.padding, d.padding},
      x(unbound(input_md(d), e)),
      y(unbound(output_md(d), e)),
      w(unbound(weight_md(d, true), e)),
      b(unbound(bias_md(d), e)),
      dx(unbound(x.get_desc(), e)),
      dy(unbound(y.get_desc(), e)),
      dw(unbound(w.get_desc(), e)),
      db(unbound(b.get_desc(), e)),
      layout(primitive_layout(d, e, in_type, strides, padding)),
      x_in(x, input_md(d, in_type, layout), false),
      dy_in(dy, output_md(d, in_type, layout), false),
      y_out(y, output_md(d, Type::f32, layout), true),
      dx_out(dx, input_md(d, Type::f32, layout), true),
      fwd_pd(forward_pd(x_in.mem.get_desc(), y_out.mem.get_desc(), d, e, strides, padding)),
      fwd{Staged(w, fwd_pd.weights_desc(), false),
          Step(fwd_pd, {{DNNL_ARG_SRC, x_in.mem}, {DNNL_ARG_DST, y_out.mem}})} {
  fwd.step.args[DNNL_ARG_WEIGHTS] = fwd.weights.mem;
  if (d.bias) fwd.step.args[DNNL_ARG_BIAS] = b;
}

const Stage& Plan::backward_data(const Desc& d) {
  if (!bwd_data) {
    const auto pd =
        backward_data_pd(dx_out.mem.get_desc(), dy_in.mem.get_desc(), d, strides, padding, fwd_pd);
    Staged weights(w, pd.weights_desc(), false);
    Step step(pd, {{DNNL_ARG_DIFF_DST, dy_in.mem},
                   {DNNL_ARG_WEIGHTS, weights.mem},
                   {DNNL_ARG_DIFF_SRC, dx_out.mem}});
    bwd_data.emplace(Stage{std::move(weights), std::move(step)});
  }
  return *bwd_data;
}

const Stage& Plan::backward_weights(const Desc& d) {
  if (!bwd_weights) {
    const auto pd =
        backward_weights_pd(x_in.mem.get_desc(), dy_in.mem.get_desc(), d, strides, padding, fwd_pd);
    Staged grad(dw, pd.diff_weights_desc(), true);
    Step step(pd, {{DNNL_ARG_SRC, x_in.mem},
                   {DNNL_ARG_DIFF_DST, dy_in.mem},
                   {DNNL_ARG_DIFF_WEIGHTS, grad.mem}});
    if (d.bias) step.args[DNNL_ARG_DIFF_BIAS] = db;
    bwd_weights.emplace(Stage{std::move(grad), std::move(step)});
  }
  return *bwd_weights;
}

// One engine, stream and plan cache per calling thread, so concurrent callers never share the
// plans' private weight copies; fp32 and bf16 math have a cache each.
struct Context {
  dnnl::engine engine{dnnl::engine::kind::cpu, 0};
  dnnl::stream stream{engine};
  std::unordered_map<Desc, Plan, DescHash> plans[2];

  Plan& plan(const Desc& d) {
    const bool bf16 = bf16_products();
    auto& cache = plans[bf16 ? 1 : 0];
    auto it = cache.find(d);
    if (it == cache.end()) it = cache.try_emplace(d, d, engine, bf16).first;
    return it->second;
  }
};

Context& context() {
  thread_local Context c;
  return c;
}

// A plain 1x1 convolution in fp32 math, run as GEMMs; see the opening comment.
bool is_gemm(const Desc& d) {
  return d.kernel == 1 && d.stride == 1 && d.padding == 0 && d.groups == 1 && !d.bias &&
         !bf16_products();
}

void gemm_forward(const Desc& d, const Tensor& x, const Tensor& w, Tensor& y) {
  const std::int64_t rows = d.batch * d.height * d.width, in = d.in_channels;
  sgemm('N', 'T', rows, d.out_channels, in, 1.0f, x.data<float>(), in, w.data<float>(), in, 0.0f,
        y.data<float>(), d.out_channels);
}

void gemm_backward(const Desc& d, const Tensor& x, const Tensor& w, const Tensor& dy, Tensor* dx,
                   Tensor& dw) {
  const std::int64_t rows = d.batch * d.height * d.width, in = d.in_channels, out = d.out_channels;
  if (dx)
    sgemm('N', 'N', rows, in, out, 1.0f, dy.data<float>(), out, w.data<float>(), in, 0.0f,
          dx->data<float>(), in);
  sgemm('T', 'N', out, in, rows, 1.0f, dy.data<float>(), out, x.data<float>(), in, 0.0f,
        dw.data<float>(), in);
}

void bind(const memory& m, const Tensor& t) {
  m.set_data_handle(t.raw());
}

// oneDNN reports failures as dnnl::error; turn them into swag errors that name the layer shape.
template <class F>
void guarded(const Desc& d, const char* what, F&& f) {
  try {
    f();
  } catch (const dnnl::error& e) {
    fail(ExitCode::failure,
         "conv2d {}: oneDNN failed for N={} C={}->{} HxW={}x{} k={} s={} p={} g={}: {}", what,
         d.batch, d.in_channels, d.out_channels, d.height, d.width, d.kernel, d.stride, d.padding,
         d.groups, e.what());
  }
}

void forward_f32(const Desc& d, const Tensor& x, const Tensor& w, const Tensor* b, Tensor& y) {
  if (is_gemm(d)) return gemm_forward(d, x, w, y);
  guarded(d, "forward", [&] {
    Context& c = context();
    Plan& p = c.plan(d);
    bind(p.x, x);
    bind(p.w, w);
    bind(p.y, y);
    if (b) bind(p.b, *b);
    p.x_in.run(c.stream);
    p.fwd.weights.run(c.stream);
    p.fwd.step.run(c.stream);
    p.y_out.run(c.stream);
    c.stream.wait();
  });
}

void backward_f32(const Desc& d, const Tensor& x, const Tensor& w, const Tensor& dy, Tensor* dx,
                  Tensor& dw, Tensor* db) {
  if (is_gemm(d)) return gemm_backward(d, x, w, dy, dx, dw);
  guarded(d, "backward", [&] {
    Context& c = context();
    Plan& p = c.plan(d);
    bind(p.x, x);
    bind(p.w, w);
    bind(p.dy, dy);
    bind(p.dw, dw);
    if (db) bind(p.db, *db);
    p.x_in.run(c.stream);
    p.dy_in.run(c.stream);
    if (dx) {
      const Stage& data = p.backward_data(d);
      bind(p.dx, *dx);
      data.weights.run(c.stream);
      data.step.run(c.stream);
      p.dx_out.run(c.stream);
    }
    const Stage& weights = p.backward_weights(d);
    weights.step.run(c.stream);
    weights.weights.run(c.stream);
    c.stream.wait();
  });
}

}  // namespace

void conv2d_forward(const ops::Conv2dDesc& d, const Tensor& x, const Tensor& w, const Tensor* b,
                    Tensor& y) {
  Fp32Staging s("conv2d");
  forward_f32(d, s.in(x), s.in(w), s.in(b), s.out(y));
  s.store();
}

void conv2d_backward(const ops::Conv2dDesc& d, const Tensor& x, const Tensor& w, const Tensor& dy,
                     Tensor* dx, Tensor& dw, Tensor* db) {
  Fp32Staging s("conv2d");
  backward_f32(d, s.in(x), s.in(w), s.in(dy), s.out(dx), dw, db);
  s.store();
}

}  // namespace swag::cpu
