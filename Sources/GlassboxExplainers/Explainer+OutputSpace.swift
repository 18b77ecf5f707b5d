// The space each explainer's values live in, as `Explainer.outputSpace` asks.

extension LinearSHAP {
  /// Linear SHAP values add up in the margin.
  public var outputSpace: OutputSpace { .raw }
}

extension TreeSHAP {
  /// Path-dependent TreeSHAP values add up in the margin.
  public var outputSpace: OutputSpace { .raw }
}

extension InterventionalTreeSHAP {
  public var outputSpace: OutputSpace { space }
}

extension KernelSHAP {
  public var outputSpace: OutputSpace { configuration.space }
}

extension ExactShapley {
  public var outputSpace: OutputSpace { configuration.space }
}

extension LIME {
  public var outputSpace: OutputSpace { space }
}
