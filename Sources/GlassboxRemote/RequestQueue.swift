#if canImport(Glibc)
  import Glibc
#endif

/// Requests for predictions from many threads, served in groups: a waiting thread takes
/// every request queued so far and serves them together while the others wait; requests
/// that arrive meanwhile form the next group. Up to `maxGroups` groups are served at once,
/// so a server can work on one group's batches while glassbox prepares the next. Batches
/// thus fill across the rows explained in parallel without a timer.
final class RequestQueue: @unchecked Sendable {
  final class Request {
    let rows: [Double]
    let count: Int
    var result: Result<[Double], RemoteModelError>?
    /// Taken into a group that a thread is serving.
    var taken = false
    init(rows: [Double], count: Int) {
      self.rows = rows
      self.count = count
    }
  }

  private let mutex = UnsafeMutablePointer<pthread_mutex_t>.allocate(capacity: 1)
  private let changed = UnsafeMutablePointer<pthread_cond_t>.allocate(capacity: 1)
  private var pending: [Request] = []
  private var serving = 0
  /// Groups served at once (at least 1).
  let maxGroups: Int

  init(maxGroups: Int = 1) {
    self.maxGroups = max(1, maxGroups)
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
    while request.result == nil && (request.taken || serving >= maxGroups) { pthread_cond_wait(changed, mutex) }
    if let result = request.result {
      pthread_mutex_unlock(mutex)
      return result
    }
    serving += 1
    let group = pending
    pending = []
    for queued in group { queued.taken = true }
    pthread_mutex_unlock(mutex)
    serve(group)
    pthread_mutex_lock(mutex)
    serving -= 1
    pthread_cond_broadcast(changed)
    pthread_mutex_unlock(mutex)
    return request.result ?? .failure(RemoteModelError(source: "the model", problem: "gave no answer for a request"))
  }
}
