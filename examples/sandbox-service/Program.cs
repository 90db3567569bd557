await SandboxService.ServiceApp.Build(args).RunAsync();
