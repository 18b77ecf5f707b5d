import GlassboxCLI
GlassboxMain.run()
