// GradientAllReduce's buckets over NCCL. Backward queues its kernels on the CUDA context's
// (compute) stream and calls ready_from from the host as it goes; a bucket then starts by
// making the communication stream wait for the compute stream's work so far (an event) and
// queueing the in-place sum there, so the sums overlap the rest of backward. NCCL runs the sums
// of one stream in the order queued, which is the buckets' order on every rank. finish() makes
// the compute stream wait for the last sum; nothing here waits on the host.
#include <memory>
#include <utility>

#include "../gradient_transport.hpp"
#include "swag/backends/cuda/context.hpp"
#include "swag/dist/nccl_communicator.hpp"

namespace swag::dist {
namespace {

class NcclTransport final : public GradientTransport {
 public:
  NcclTransport(const NcclCommunicator& comm, std::unique_ptr<NcclCommunicator> owned)
      : owned_(std::move(owned)), comm_(comm) {}
  // The sums in flight must not outlive the buffers or the communicator.
  ~NcclTransport() override { cudaStreamSynchronize(comm_.stream()); }
  NcclTransport(const NcclTransport&) = delete;
  NcclTransport& operator=(const NcclTransport&) = delete;

  int size() const override { return comm_.size(); }
  void start(std::size_t /*index*/, float* data, std::int64_t count) override {
    comm_.wait_for(cuda::context().stream());
    comm_.allreduce_sum(data, count);
  }
  void progress() override {}
  void wait(std::size_t /*index*/) override {}  // finished() orders them all at once
  void finished() override { comm_.signal(cuda::context().stream()); }

 private:
  std::unique_ptr<NcclCommunicator> owned_;  // when owned: destroyed after the sync above
  const NcclCommunicator& comm_;
};

}  // namespace

std::unique_ptr<GradientTransport> nccl_transport(const NcclCommunicator& comm) {
  return std::make_unique<NcclTransport>(comm, nullptr);
}

std::unique_ptr<GradientTransport> nccl_transport(std::unique_ptr<NcclCommunicator> comm) {
  const NcclCommunicator& c = *comm;
  return std::make_unique<NcclTransport>(c, std::move(comm));
}

}  // namespace swag::dist
