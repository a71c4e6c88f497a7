#include "swag/dist/communicator.hpp"

#include <algorithm>
#include <cstring>
#include <limits>

#include "swag/backends/gpu.hpp"
#include "swag/core/error.hpp"

namespace swag::dist {
namespace {

void check(int rc, const char* call) {
  if (rc != MPI_SUCCESS) {
    char text[MPI_MAX_ERROR_STRING];
    int length = 0;
    MPI_Error_string(rc, text, &length);
    fail(ExitCode::failure, "{} failed: {}", call,
         std::string(text, static_cast<std::size_t>(length)));
  }
}

// MPI counts are int: large buffers go in chunks below 2^31 elements.
constexpr std::int64_t kMaxCount = std::numeric_limits<int>::max() / 2;

// A GPU communicator's watchdog calls this from its thread when a peer is lost (then exits the
// process). From there MPI_Abort goes beyond MPI_THREAD_SINGLE's promise, but a job that would
// hang otherwise is where MPI's implementations make it work.
void abort_mpi_job() {
  int initialized = 0, finalized = 0;
  MPI_Initialized(&initialized);
  MPI_Finalized(&finalized);
  if (initialized && !finalized) MPI_Abort(MPI_COMM_WORLD, static_cast<int>(ExitCode::failure));
}

}  // namespace

struct Communicator::Owned {
  MPI_Comm comm;
  Owned(const Owned&) = delete;
  Owned& operator=(const Owned&) = delete;
  explicit Owned(MPI_Comm c) : comm(c) {}
  // After MPI_Finalize nothing may be freed (MPI has released it already).
  ~Owned() {
    int finalized = 0;
    MPI_Finalized(&finalized);
    if (!finalized) MPI_Comm_free(&comm);
  }
};

Communicator::Communicator(MPI_Comm comm) : comm_(comm) {
  check(MPI_Comm_rank(comm, &rank_), "MPI_Comm_rank");
  check(MPI_Comm_size(comm, &size_), "MPI_Comm_size");
}

std::string mpi_library_version() {
  char text[MPI_MAX_LIBRARY_VERSION_STRING] = {};
  int length = 0;
  if (MPI_Get_library_version(text, &length) != MPI_SUCCESS) return "unknown";
  text[MPI_MAX_LIBRARY_VERSION_STRING - 1] = '\0';
  std::string version(text);  // null-terminated by MPI
  version = version.substr(0, version.find_first_of("\r\n"));
  while (!version.empty() && version.back() == ' ') version.pop_back();
  return version;
}

// MPI_Initialized may be called before MPI_Init (and without an MPI runtime).
Communicator Communicator::world() {
  int initialized = 0;
  MPI_Initialized(&initialized);
  if (!initialized) return solo();
  return Communicator(MPI_COMM_WORLD);
}

Communicator Communicator::solo() {
  return {};
}

int Communicator::node_local_rank() const {
  if (is_solo()) return 0;
  MPI_Comm node = MPI_COMM_NULL;
  check(MPI_Comm_split_type(comm_, MPI_COMM_TYPE_SHARED, rank_, MPI_INFO_NULL, &node),
        "MPI_Comm_split_type");
  int rank = 0;
  const int rc = MPI_Comm_rank(node, &rank);
  MPI_Comm_free(&node);
  check(rc, "MPI_Comm_rank");
  return rank;
}

void Communicator::barrier() const {
  if (is_solo()) return;
  check(MPI_Barrier(comm_), "MPI_Barrier");
}

void Communicator::broadcast_bytes(void* data, std::size_t bytes, int root) const {
  SWAG_CHECK(root >= 0 && root < size_, "broadcast from rank {} of {}", root, size_);
  if (is_solo()) return;
  auto* p = static_cast<char*>(data);
  for (std::size_t done = 0; done < bytes;) {
    const auto n = static_cast<int>(std::min<std::size_t>(bytes - done, kMaxCount));
    check(MPI_Bcast(p + done, n, MPI_BYTE, root, comm_), "MPI_Bcast");
    done += static_cast<std::size_t>(n);
  }
}

void Communicator::broadcast(Tensor& t, int root) const {
  SWAG_CHECK(t.device() == Device::cpu, "MPI broadcast of a device tensor");
  broadcast_bytes(t.raw(), t.nbytes(), root);
}

std::int64_t Communicator::max(std::int64_t v) const {
  if (is_solo()) return v;
  std::int64_t out = 0;
  check(MPI_Allreduce(&v, &out, 1, MPI_INT64_T, MPI_MAX, comm_), "MPI_Allreduce");
  return out;
}

std::int64_t Communicator::min(std::int64_t v) const {
  if (is_solo()) return v;
  std::int64_t out = 0;
  check(MPI_Allreduce(&v, &out, 1, MPI_INT64_T, MPI_MIN, comm_), "MPI_Allreduce");
  return out;
}

double Communicator::sum(double v) const {
  if (is_solo()) return v;
  double out = 0;
  check(MPI_Allreduce(&v, &out, 1, MPI_DOUBLE, MPI_SUM, comm_), "MPI_Allreduce");
  return out;
}

void Communicator::allreduce_sum(float* data, std::int64_t count) const {
  if (is_solo()) return;
  for (std::int64_t done = 0; done < count; done += kMaxCount) {
    const auto n = static_cast<int>(std::min(count - done, kMaxCount));
    check(MPI_Allreduce(MPI_IN_PLACE, data + done, n, MPI_FLOAT, MPI_SUM, comm_), "MPI_Allreduce");
  }
}

void Communicator::allreduce_sum(double* data, std::int64_t count) const {
  if (is_solo()) return;
  for (std::int64_t done = 0; done < count; done += kMaxCount) {
    const auto n = static_cast<int>(std::min(count - done, kMaxCount));
    check(MPI_Allreduce(MPI_IN_PLACE, data + done, n, MPI_DOUBLE, MPI_SUM, comm_), "MPI_Allreduce");
  }
}

void Communicator::allgather(const float* send, std::int64_t count, float* recv) const {
  SWAG_CHECK(count <= kMaxCount, "all-gather of {} elements per rank: too many", count);
  if (is_solo()) {
    if (count > 0 && send != recv)
      std::memmove(recv, send, static_cast<std::size_t>(count) * sizeof(float));
    return;
  }
  check(MPI_Allgather(send, static_cast<int>(count), MPI_FLOAT, recv, static_cast<int>(count),
                      MPI_FLOAT, comm_),
        "MPI_Allgather");
}

MPI_Request Communicator::start_allreduce_sum(float* data, std::int64_t count) const {
  SWAG_CHECK(count <= kMaxCount, "non-blocking all-reduce of {} elements: use smaller buckets",
             count);
  MPI_Request request = MPI_REQUEST_NULL;
  if (is_solo()) return request;
  check(MPI_Iallreduce(MPI_IN_PLACE, data, static_cast<int>(count), MPI_FLOAT, MPI_SUM, comm_,
                       &request),
        "MPI_Iallreduce");
  return request;
}

Communicator Communicator::blocks_of(int n) const {
  SWAG_CHECK(n >= 1 && size_ % n == 0, "blocks of {} ranks out of {}", n, size_);
  if (n == size_) return *this;
  MPI_Comm block = MPI_COMM_NULL;
  check(MPI_Comm_split(comm_, rank_ / n, rank_, &block), "MPI_Comm_split");
  Communicator out(block);
  out.owned_ = std::make_shared<const Owned>(block);
  return out;
}

std::shared_ptr<GpuCommunicator> gpu_communicator(const Communicator& comm) {
  GpuCommunicatorId id{};
  if (comm.rank() == 0) id = gpu_backend::gpu_communicator_id();
  comm.broadcast_bytes(id.data(), id.size());
  return gpu_backend::make_gpu_communicator(id, comm.rank(), comm.size(), &abort_mpi_job);
}

}  // namespace swag::dist
