#if canImport(Glibc)
  import Glibc
#endif

/// Requests for predictions from many threads, served one group at a time: the first
/// waiting thread takes every request queued so far and serves them together while the
/// others wait; requests that arrive meanwhile form the next group. Batches thus fill
/// across the rows explained in parallel without a timer.
final class RequestQueue: @unchecked Sendable {
  final class Request {
    let rows: [Double]
    let count: Int
    var result: Result<[Double], RemoteModelError>?
    init(rows: [Double], count: Int) {
      self.rows = rows
      self.count = count
    }
  }

  private let mutex = UnsafeMutablePointer<pthread_mutex_t>.allocate(capacity: 1)
  private let changed = UnsafeMutablePointer<pthread_cond_t>.allocate(capacity: 1)
  private var pending: [Request] = []
  private var serving = false

  init() {
    pthread_mutex_init(mutex, nil)
    pthread_cond_init(changed, nil)
  }

  deinit {
    pthread_cond_destroy(changed)
    pthread_mutex_destroy(mutex)
    mutex.deallocate()
    changed.deallocate()
  }

  /// Queues `request` and returns its result: served by this thread together with every
  /// other request waiting (`serve` must set each one's result), or by another thread.
  func submit(_ request: Request, serve: ([Request]) -> Void) -> Result<[Double], RemoteModelError> {
    pthread_mutex_lock(mutex)
    pending.append(request)
    while request.result == nil && serving { pthread_cond_wait(changed, mutex) }
    if let result = request.result {
      pthread_mutex_unlock(mutex)
      return result
    }
    serving = true
    let group = pending
    pending = []
    pthread_mutex_unlock(mutex)
    serve(group)
    pthread_mutex_lock(mutex)
    serving = false
    pthread_cond_broadcast(changed)
    pthread_mutex_unlock(mutex)
    return request.result ?? .failure(RemoteModelError(source: "the model", problem: "gave no answer for a request"))
  }
}
