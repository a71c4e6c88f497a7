// swag platt: fits the zero-shot Platt scaler (eval/platt.hpp, doc/zeroshot.md) on the
// probability rows /probs of an HDF5 file and writes /w, /b and /probs_calibrated.
#include "swag/eval/platt.hpp"

#include <algorithm>
#include <cstdio>
#include <memory>

#include "swag/apps/commands.hpp"
#include "swag/core/atomic_file.hpp"
#include "swag/core/hdf5_file.hpp"

namespace swag::apps {
namespace {

struct Options {
  std::string probs, output;
  eval::PlattOptions platt;
};

Tensor read_probs(const std::string& path) {
  const Hdf5File f = Hdf5File::open_read(path);
  const std::string where = path + ": /probs";
  const Shape s = f.shape("/probs");
  if (s.size() != 2 || s[0] < 1 || s[1] < 2)
    fail(ExitCode::input, "{} has shape {}, expected [N, C] with N >= 1, C >= 2", where,
         shape_str(s));
  Tensor probs = f.read_f32("/probs");
  eval::check_probability_rows(probs, where);
  return probs;
}

// Smallest and largest fraction of rows predicting a class.
std::pair<double, double> spread(const Tensor& scores) {
  const auto counts = eval::argmax_histogram(scores);
  const auto [lo, hi] = std::minmax_element(counts.begin(), counts.end());
  const auto n = static_cast<double>(scores.dim(0));
  return {static_cast<double>(*lo) / n, static_cast<double>(*hi) / n};
}

Tensor to_tensor(const std::vector<double>& v) {
  Tensor t = Tensor::empty({static_cast<std::int64_t>(v.size())});
  std::copy(v.begin(), v.end(), t.data<float>());
  return t;
}

void run(const Options& o) {
  const Tensor probs = read_probs(o.probs);
  const eval::PlattFit fit = eval::fit_platt(probs, o.platt);
  const Tensor calibrated = fit.scaler.apply(probs);
  AtomicOutput out(o.output);
  {
    Hdf5File f = Hdf5File::create(out.temp_path());
    f.set_attribute("/", "format", std::string("swag-platt"));
    f.set_attribute("/", "format_version", std::int64_t{1});
    f.write("/w", to_tensor(fit.scaler.w));
    f.write("/b", to_tensor(fit.scaler.b));
    f.write("/probs_calibrated", calibrated);
    f.write_scalar_f64("/scale", fit.scale);
    f.write_scalar_f64("/regularization", fit.regularization);
    f.write_scalar_f64("/objective", fit.objective);
    f.write_scalar_f64("/kl", fit.kl);
    f.set_attribute("/", "iterations", std::int64_t{fit.iterations});
    f.set_attribute("/", "converged", std::int64_t{fit.converged ? 1 : 0});
  }
  out.commit();
  const auto [lo0, hi0] = spread(probs);
  const auto [lo1, hi1] = spread(calibrated);
  std::printf(
      "platt: %lld rows, %lld classes, scale %.4g: %d iterations (%s), objective %.3e (KL %.3e); "
      "predicted-class fractions min %.4f max %.4f before, min %.4f max %.4f after\n",
      static_cast<long long>(probs.dim(0)), static_cast<long long>(probs.dim(1)), fit.scale,
      fit.iterations, fit.converged ? "converged" : "not converged", fit.objective, fit.kl, lo0,
      hi0, lo1, hi1);
}

}  // namespace

Command add_platt(CLI::App& app) {
  auto o = std::make_shared<Options>();
  app.add_option("--probs", o->probs, "HDF5 with /probs float32 [N, C], rows summing to 1")
      ->required();
  app.add_option("--output", o->output, "HDF5 to write /w, /b, /probs_calibrated")->required();
  app.add_option("--scale", o->platt.scale,
                 "s: w starts at and is pulled toward s (0: 20 / mean row maximum)")
      ->check(CLI::NonNegativeNumber)
      ->capture_default_str();
  app.add_option("--regularization", o->platt.regularization, "lambda: weight of the ridge")
      ->check(CLI::NonNegativeNumber)
      ->capture_default_str();
  app.add_option("--max-iterations", o->platt.max_iterations, "L-BFGS iteration cap")
      ->check(CLI::PositiveNumber)
      ->capture_default_str();
  return [o] { run(*o); };
}

}  // namespace swag::apps
