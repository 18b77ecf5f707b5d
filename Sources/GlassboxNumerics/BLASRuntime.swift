/// Process-wide OpenBLAS settings.
///
/// OpenBLAS threads by default over every core, and results then vary in the last
/// bits with the thread count. glassbox parallelizes over rows itself, so it keeps
/// OpenBLAS on one thread (`setThreads(1)`) and records the configuration in outputs.
public enum BLASRuntime {
  /// Sets the number of threads OpenBLAS uses for every later call (process-wide).
  public static func setThreads(_ n: Int) { blas_setThreads(max(1, n)) }
  /// The current OpenBLAS thread count.
  public static var threads: Int { blas_threads() }
  /// OpenBLAS's build configuration string (e.g. "OpenBLAS 0.3.21 DYNAMIC_ARCH ... Haswell").
  public static var configuration: String { blas_config() }
}
