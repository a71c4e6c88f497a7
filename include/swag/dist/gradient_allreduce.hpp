// Bucketed gradient all-reduce, started during backward. The flat gradient buffer is cut into
// buckets of whole parameters, from the last parameter backward (backward produces gradients
// from the classifier to the stem); a bucket's non-blocking sum starts as soon as the model
// reports that all its parameters are final, and finish() waits for the rest and averages.
//
// The buckets travel over MPI when the gradients are on the host, over the GPUs' communicator
// (NCCL; CUDA builds) when they are on the GPU: there a bucket's sum runs on the communicator's
// stream once the compute stream has produced it, and finish() leaves the compute stream waiting
// for the last sum and queues the averaging on it, so it returns without waiting for the GPU.
#pragma once
#include <cstdint>
#include <memory>
#include <vector>

#include "swag/dist/communicator.hpp"
#include "swag/nn/parameter_store.hpp"

namespace swag {
class GpuCommunicator;  // swag/backends/backend_ops.hpp
}

namespace swag::dist {

// A bucket: the parameters first_param.. (those after it up to the previous bucket), elements
// [offset, offset + count) of the flat gradient buffer.
struct GradientBucket {
  int first_param;
  std::int64_t offset, count;
};
constexpr std::int64_t kDefaultBucketBytes = 25 << 20;

// The buckets in the order backward completes them: whole parameters from the last, each
// bucket growing until one more would pass bucket_bytes (one larger parameter fills its own).
std::vector<GradientBucket> gradient_buckets(const nn::ParameterStore& params,
                                             std::int64_t bucket_bytes = kDefaultBucketBytes);

// How buckets travel (MPI or the GPUs' communicator; src/dist/gradient_allreduce.cpp).
class GradientTransport;

class GradientAllReduce {
 public:
  // Over `comm`'s ranks. Gradients on the host go over MPI; gradients on the GPU over an NCCL
  // communicator made here from `comm` (collective: every rank constructs it at once).
  GradientAllReduce(const Communicator& comm, nn::ParameterStore& params,
                    std::int64_t bucket_bytes = kDefaultBucketBytes);
  // Over `gpu`'s ranks (which must outlive this); the gradients must be on the GPU.
  GradientAllReduce(const GpuCommunicator& gpu, nn::ParameterStore& params,
                    std::int64_t bucket_bytes = kDefaultBucketBytes);
  ~GradientAllReduce();
  GradientAllReduce(const GradientAllReduce&) = delete;
  GradientAllReduce& operator=(const GradientAllReduce&) = delete;

  // Gradients of every parameter with index >= first_param are final: start their buckets.
  void ready_from(int first_param);
  // Starts what is left, waits for all buckets, divides by the world size.
  void finish();
  std::size_t buckets() const { return buckets_.size(); }

 private:
  struct Bucket : GradientBucket {
    bool started = false;
  };
  GradientAllReduce(std::unique_ptr<GradientTransport> transport, nn::ParameterStore& params,
                    std::int64_t bucket_bytes);
  void start(std::size_t index);

  nn::ParameterStore& params_;
  std::unique_ptr<GradientTransport> transport_;
  std::vector<Bucket> buckets_;  // in the order backward completes them
};

}  // namespace swag::dist
