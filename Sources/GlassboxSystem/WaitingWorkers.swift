#if canImport(Glibc)
  import Glibc
#endif

/// The cores this process may run on at once (online processors, at least 1).
let onlineCores: Int = max(1, Int(sysconf(Int32(_SC_NPROCESSORS_ONLN))))

/// Runs `body(w)` for every `w` in `0..<count` at the same time, each on a thread of its
/// own (worker 0 on the calling thread), and returns when all have finished.
///
/// `DispatchQueue.concurrentPerform` runs at most as many iterations at once as there are
/// cores, which suits work that computes. Workers that mostly wait (for a model server's
/// answers, a child process) need to be many more than the cores to keep a server busy:
/// `parallelFor` hands over to this function when asked for more workers than cores.
///
/// When the system refuses a thread, that worker runs on the calling thread after the
/// workers before it, so every worker still runs once; `body` must not make one worker
/// wait for a later one.
/// - Complexity: `count − 1` threads created and joined; no other cost.
func runWorkers(_ count: Int, _ body: @Sendable (Int) -> Void) {
  if count <= 1 {
    if count == 1 { body(0) }
    return
  }
  withoutActuallyEscaping(body) { body in
    var threads: [pthread_t] = []
    threads.reserveCapacity(count - 1)
    for w in 1..<count {
      let start = Unmanaged.passRetained(WorkerStart { body(w) })
      var thread = pthread_t()
      let created = pthread_create(
        &thread, nil,
        { argument in
          guard let argument else { return nil }
          Unmanaged<WorkerStart>.fromOpaque(argument).takeRetainedValue().run()
          return nil
        }, start.toOpaque())
      if created == 0 {
        threads.append(thread)
      } else {
        start.release()
        body(w)
      }
    }
    body(0)
    for thread in threads { pthread_join(thread, nil) }
  }
}

/// What a worker thread runs, handed to it through `pthread_create`'s argument.
private final class WorkerStart: Sendable {
  let run: @Sendable () -> Void
  init(_ run: @escaping @Sendable () -> Void) { self.run = run }
}
