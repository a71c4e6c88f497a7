#include "swag/dist/gradient_allreduce.hpp"

#include <mpi.h>

#include "swag/backends/gpu.hpp"
#include "swag/ops/optimizer_update.hpp"

namespace swag::dist {

// How the buckets travel. The bucket cutting, the start order and the averaging are
// GradientAllReduce's (one piece for every transport); a transport sums one bucket over the
// ranks and says when the sums are done.
class GradientTransport {
 public:
  virtual ~GradientTransport() = default;
  virtual int size() const = 0;
  // Starts the in-place sum over the ranks of bucket `index` (count floats at data).
  virtual void start(std::size_t index, float* data, std::int64_t count) = 0;
  // Lets the started sums progress (after each ready_from).
  virtual void progress() = 0;
  // Bucket `index` was started: its sum is done (or ordered before what follows) on return.
  virtual void wait(std::size_t index) = 0;
  // Every bucket has been waited for; what follows may use the sums.
  virtual void finished() = 0;
};

namespace {

// Non-blocking MPI all-reduce of host buffers, one request per bucket. A solo communicator
// (no MPI) starts nothing: its requests stay MPI_REQUEST_NULL and no MPI call is made on them
// (MPI_Wait and MPI_Test, even on a null request, must not be called without MPI_Init).
class MpiTransport final : public GradientTransport {
 public:
  explicit MpiTransport(const Communicator& comm) : comm_(comm) {}
  ~MpiTransport() override {
    for (MPI_Request& r : requests_)
      if (r != MPI_REQUEST_NULL) MPI_Wait(&r, MPI_STATUS_IGNORE);
  }
  MpiTransport(const MpiTransport&) = delete;
  MpiTransport& operator=(const MpiTransport&) = delete;

  int size() const override { return comm_.size(); }
  void start(std::size_t index, float* data, std::int64_t count) override {
    if (requests_.size() <= index) requests_.resize(index + 1, MPI_REQUEST_NULL);
    requests_[index] = comm_.start_allreduce_sum(data, count);
  }
  // Open MPI progresses non-blocking collectives inside MPI calls: give it one.
  void progress() override {
    for (MPI_Request& r : requests_) {
      if (r == MPI_REQUEST_NULL) continue;
      int done = 0;
      MPI_Test(&r, &done, MPI_STATUS_IGNORE);
    }
  }
  void wait(std::size_t index) override {
    MPI_Request& r = requests_[index];
    if (r != MPI_REQUEST_NULL) MPI_Wait(&r, MPI_STATUS_IGNORE);
  }
  void finished() override {}

 private:
  const Communicator& comm_;
  std::vector<MPI_Request> requests_;
};

// Over the ranks' GPUs (NCCL in the CUDA backend). Backward queues its kernels on the compute
// stream and calls ready_from from the host as it goes; a bucket's sum is queued after the
// compute stream's work so far, on the communicator's own stream, so the sums overlap the rest
// of backward, in the buckets' order on every rank. finished() makes the compute stream wait for
// the last sum; nothing here waits on the host.
class GpuTransport final : public GradientTransport {
 public:
  GpuTransport(const GpuCommunicator& comm, std::shared_ptr<const GpuCommunicator> owned)
      : owned_(std::move(owned)), comm_(comm) {}
  // The sums in flight must not outlive the buffers or the communicator.
  ~GpuTransport() override { comm_.drain(); }
  GpuTransport(const GpuTransport&) = delete;
  GpuTransport& operator=(const GpuTransport&) = delete;

  int size() const override { return comm_.size(); }
  void start(std::size_t /*index*/, float* data, std::int64_t count) override {
    comm_.sum_after_compute(data, count);
  }
  void progress() override {}
  void wait(std::size_t /*index*/) override {}  // finished() orders them all at once
  void finished() override { comm_.compute_waits_for_sums(); }

 private:
  std::shared_ptr<const GpuCommunicator> owned_;  // when owned: destroyed after the drain above
  const GpuCommunicator& comm_;
};

std::unique_ptr<GradientTransport> transport_for(const Communicator& comm,
                                                 const nn::ParameterStore& params) {
  if (params.flat_grads().device() == Device::cpu) return std::make_unique<MpiTransport>(comm);
  if (!gpu_backend::kBuilt)
    fail(ExitCode::usage, "gradient all-reduce of GPU gradients needs a CUDA build");
  std::shared_ptr<const GpuCommunicator> gpu = gpu_communicator(comm);
  const GpuCommunicator& c = *gpu;
  return std::make_unique<GpuTransport>(c, std::move(gpu));
}

}  // namespace

GradientAllReduce::GradientAllReduce(const Communicator& comm, nn::ParameterStore& params,
                                     std::int64_t bucket_bytes)
    : GradientAllReduce(transport_for(comm, params), params, bucket_bytes) {}

GradientAllReduce::GradientAllReduce(const GpuCommunicator& gpu, nn::ParameterStore& params,
                                     std::int64_t bucket_bytes)
    : GradientAllReduce(std::make_unique<GpuTransport>(gpu, nullptr), params, bucket_bytes) {
  SWAG_CHECK(params.flat_grads().device() == Device::cuda,
             "gradient all-reduce over NCCL needs the gradients on the GPU");
}

std::vector<GradientBucket> gradient_buckets(const nn::ParameterStore& params,
                                             std::int64_t bucket_bytes) {
  const auto& entries = params.entries();
  const std::int64_t limit = bucket_bytes / static_cast<std::int64_t>(sizeof(float));
  // Walk the parameters from the last; a bucket grows downward through the flat buffer (with
  // the alignment padding between tensors) until adding one more would pass the limit.
  std::vector<GradientBucket> buckets;
  GradientBucket current{-1, params.size(), 0};
  for (int i = static_cast<int>(entries.size()) - 1; i >= 0; --i) {
    const std::int64_t begin = entries[static_cast<std::size_t>(i)].offset;
    const std::int64_t end = current.offset + current.count;
    if (current.first_param >= 0 && end - begin > limit) {
      buckets.push_back(current);
      current = {-1, current.offset, 0};
    }
    const std::int64_t current_end = current.offset + current.count;
    current.first_param = i;
    current.offset = begin;
    current.count = current_end - begin;
  }
  if (current.first_param >= 0) buckets.push_back(current);
  return buckets;
}

GradientAllReduce::GradientAllReduce(std::unique_ptr<GradientTransport> transport,
                                     nn::ParameterStore& params, std::int64_t bucket_bytes)
    : params_(params), transport_(std::move(transport)) {
  for (const GradientBucket& b : gradient_buckets(params, bucket_bytes)) buckets_.push_back({b});
}

GradientAllReduce::~GradientAllReduce() {
  for (std::size_t i = 0; i < buckets_.size(); ++i)
    if (buckets_[i].started) transport_->wait(i);
}

void GradientAllReduce::start(std::size_t index) {
  Bucket& b = buckets_[index];
  transport_->start(index, params_.flat_grads().data<float>() + b.offset, b.count);
  b.started = true;
}

void GradientAllReduce::ready_from(int first_param) {
  for (std::size_t i = 0; i < buckets_.size(); ++i) {
    if (buckets_[i].started) continue;
    if (buckets_[i].first_param < first_param) break;  // later buckets depend on earlier ones
    start(i);
  }
  transport_->progress();
}

void GradientAllReduce::finish() {
  for (std::size_t i = 0; i < buckets_.size(); ++i) {
    if (!buckets_[i].started) start(i);
    transport_->wait(i);
    buckets_[i].started = false;
  }
  transport_->finished();
  if (transport_->size() > 1) {
    Tensor grads = params_.flat_grads();
    ops::scale(grads, 1.0f / static_cast<float>(transport_->size()));
  }
}

}  // namespace swag::dist
