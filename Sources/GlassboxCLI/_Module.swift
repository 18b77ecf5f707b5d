public enum GlassboxMain { public static func run() {} }
