// Minimal Pulumi language host for Python ("pulumi-language-python"), written for FlowForge.
//
// Why it exists: the upstream host lives in its own Go module
// (github.com/pulumi/pulumi/sdk/python/cmd/pulumi-language-python/v3) that has no tags of its own, and the Go module
// proxy this project can reach refuses every version of it. Everything it needs except main.go ships in the
// github.com/pulumi/pulumi/sdk/v3 module (gRPC protocol, Python toolchain handling, the -exec script), so
// tools/pulumi-toolchain.sh builds this small host against the same sdk/v3 version as the CLI.
//
// It implements what `pulumi preview/up/destroy/refresh/about/install/plugin ls` need from a Python host:
// Handshake, GetPluginInfo, GetRequiredPackages/GetRequiredPlugins (read from the pulumi-plugin.json files of
// installed packages), Run (spawns pulumi-language-python-exec with the toolchain's python), InstallDependencies,
// About, GetProgramDependencies and RuntimeOptionsPrompts. Code generation (pulumi new/convert/package add/gen-sdk)
// and Python component providers (RunPlugin) are not implemented and answer "Unimplemented".
package main

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"

	"google.golang.org/grpc"
	"google.golang.org/protobuf/types/known/emptypb"

	"github.com/pulumi/pulumi/sdk/v3/go/common/util/cmdutil"
	"github.com/pulumi/pulumi/sdk/v3/go/common/util/logging"
	"github.com/pulumi/pulumi/sdk/v3/go/common/util/rpcutil"
	"github.com/pulumi/pulumi/sdk/v3/go/common/version"
	pulumirpc "github.com/pulumi/pulumi/sdk/v3/proto/go"
	"github.com/pulumi/pulumi/sdk/v3/python/toolchain"
)

// hostVersion is the version of the sdk/v3 module it is built against, set like the CLI's with
// -ldflags "-X github.com/pulumi/pulumi/sdk/v3/go/common/version.Version=v3.x.y".
func hostVersion() string {
	if v := strings.TrimPrefix(version.Version, "v"); v != "" {
		return v
	}
	return "3.0.0-dev"
}

// Exit code with which pulumi-language-python-exec says "I already reported the error to the user".
const execBailExitCode = 32

func main() {
	tracing := flag.String("tracing", "", "Emit tracing to a Zipkin-compatible tracing endpoint")
	execPath := flag.String("use-executor", "", "Path of pulumi-language-python-exec (default: next to this binary, then PATH)")
	// The CLI passes --logtostderr and -v=N when it flows logging; a dependency may already define them (glog).
	logToStderr, verbose := false, 0
	if flag.Lookup("logtostderr") == nil {
		flag.BoolVar(&logToStderr, "logtostderr", false, "Log to stderr")
	}
	if flag.Lookup("v") == nil {
		flag.IntVar(&verbose, "v", 0, "Log verbosity")
	}
	flag.Parse()
	if f := flag.Lookup("logtostderr"); f != nil {
		logToStderr = f.Value.String() == "true"
	}
	if f := flag.Lookup("v"); f != nil {
		fmt.Sscan(f.Value.String(), &verbose)
	}
	logging.InitLogging(logToStderr, verbose, false)
	cmdutil.InitTracing("pulumi-language-python", "pulumi-language-python", *tracing)

	engineAddress := ""
	if args := flag.Args(); len(args) > 0 {
		engineAddress = args[0]
	}
	exe := *execPath
	if exe == "" {
		exe = findExecutor()
	}

	cancel := make(chan bool)
	handle, err := rpcutil.ServeWithOptions(rpcutil.ServeOptions{
		Cancel: cancel,
		Init: func(srv *grpc.Server) error {
			pulumirpc.RegisterLanguageRuntimeServer(srv, &host{exec: exe, engineAddress: engineAddress, tracing: *tracing})
			return nil
		},
	})
	if err != nil {
		cmdutil.Exit(fmt.Errorf("could not start language host RPC server: %w", err))
	}
	fmt.Printf("%d\n", handle.Port)
	if err := <-handle.Done; err != nil {
		cmdutil.Exit(fmt.Errorf("language host RPC stopped serving: %w", err))
	}
}

func findExecutor() string {
	const name = "pulumi-language-python-exec"
	if self, err := os.Executable(); err == nil {
		candidate := filepath.Join(filepath.Dir(self), name)
		if _, err := os.Stat(candidate); err == nil {
			return candidate
		}
	}
	if p, err := exec.LookPath(name); err == nil {
		return p
	}
	return name
}

type host struct {
	pulumirpc.UnimplementedLanguageRuntimeServer
	exec          string
	engineAddress string
	tracing       string
}

// toolchainFor resolves the Python toolchain (pip+virtualenv, poetry or uv) from the runtime options of Pulumi.yaml.
func toolchainFor(info *pulumirpc.ProgramInfo) (toolchain.Toolchain, error) {
	opts := toolchain.PythonOptions{Toolchain: toolchain.Pip}
	if info != nil {
		opts.Root = info.GetRootDirectory()
		opts.ProgramDir = info.GetProgramDirectory()
		var m map[string]any
		if o := info.GetOptions(); o != nil {
			m = o.AsMap()
		}
		if v, ok := m["virtualenv"].(string); ok {
			opts.Virtualenv = v
		}
		switch tc, _ := m["toolchain"].(string); strings.ToLower(tc) {
		case "":
			opts.Toolchain = toolchain.Auto
		case "pip":
			opts.Toolchain = toolchain.Pip
		case "poetry":
			opts.Toolchain = toolchain.Poetry
		case "uv":
			opts.Toolchain = toolchain.Uv
		default:
			return nil, fmt.Errorf("unsupported python toolchain %q", tc)
		}
		if tcName, ok := m["typechecker"].(string); ok && tcName != "" {
			logging.V(3).Infof("typechecker %q requested; this host does not run type checkers", tcName)
		}
	}
	if opts.Root == "" {
		opts.Root, _ = os.Getwd()
	}
	if opts.ProgramDir == "" {
		opts.ProgramDir = opts.Root
	}
	return toolchain.ResolveToolchain(opts)
}

func (h *host) Handshake(ctx context.Context, req *pulumirpc.LanguageHandshakeRequest) (*pulumirpc.LanguageHandshakeResponse, error) {
	if req.GetEngineAddress() != "" {
		h.engineAddress = req.GetEngineAddress()
	}
	return &pulumirpc.LanguageHandshakeResponse{}, nil
}

func (h *host) GetPluginInfo(ctx context.Context, _ *emptypb.Empty) (*pulumirpc.PluginInfo, error) {
	return &pulumirpc.PluginInfo{Version: hostVersion()}, nil
}

// A pulumi-plugin.json found in an installed Python package.
type pluginJSON struct {
	Resource         bool   `json:"resource"`
	Name             string `json:"name"`
	Version          string `json:"version"`
	Server           string `json:"server"`
	Parameterization *struct {
		Name    string `json:"name"`
		Version string `json:"version"`
		Value   string `json:"value"` // base64
	} `json:"parameterization"`
}

// Lists the pulumi-plugin.json files of every installed distribution (run with the program's python).
const listPluginsPy = `
import json, sys
try:
    import importlib.metadata as md
except ImportError:
    print("[]"); sys.exit(0)
out, seen = [], set()
for dist in md.distributions():
    for f in (dist.files or []):
        if f.name != "pulumi-plugin.json":
            continue
        p = str(dist.locate_file(f))
        if p in seen:
            continue
        seen.add(p)
        try:
            with open(p, encoding="utf-8") as fh:
                out.append(json.load(fh))
        except Exception as e:
            print("warning: cannot read %s: %s" % (p, e), file=sys.stderr)
print(json.dumps(out))
`

func (h *host) requiredPackages(ctx context.Context, info *pulumirpc.ProgramInfo) ([]*pulumirpc.PackageDependency, error) {
	tc, err := toolchainFor(info)
	if err != nil {
		return nil, err
	}
	if err := tc.ValidateVenv(ctx); err != nil {
		logging.V(3).Infof("virtualenv not usable (%v); reporting no plugins", err)
		return nil, nil
	}
	cmd, err := tc.Command(ctx, "-c", listPluginsPy)
	if err != nil {
		return nil, err
	}
	cmd.Stderr = os.Stderr
	out, err := cmd.Output()
	if err != nil {
		return nil, fmt.Errorf("listing installed pulumi plugins with %s: %w", cmd.Path, err)
	}
	var plugins []pluginJSON
	if err := json.Unmarshal(out, &plugins); err != nil {
		return nil, fmt.Errorf("parsing plugin list: %w", err)
	}
	var deps []*pulumirpc.PackageDependency
	for _, p := range plugins {
		if !p.Resource || p.Name == "" {
			continue
		}
		dep := &pulumirpc.PackageDependency{Name: p.Name, Kind: "resource", Version: p.Version, Server: p.Server}
		if pz := p.Parameterization; pz != nil {
			value, err := base64.StdEncoding.DecodeString(pz.Value)
			if err != nil {
				return nil, fmt.Errorf("plugin %s: bad parameterization value: %w", p.Name, err)
			}
			dep.Parameterization = &pulumirpc.PackageParameterization{Name: pz.Name, Version: pz.Version, Value: value}
		}
		deps = append(deps, dep)
	}
	return deps, nil
}

func (h *host) GetRequiredPackages(ctx context.Context, req *pulumirpc.GetRequiredPackagesRequest) (*pulumirpc.GetRequiredPackagesResponse, error) {
	deps, err := h.requiredPackages(ctx, req.GetInfo())
	if err != nil {
		return nil, err
	}
	return &pulumirpc.GetRequiredPackagesResponse{Packages: deps}, nil
}

func (h *host) GetRequiredPlugins(ctx context.Context, req *pulumirpc.GetRequiredPluginsRequest) (*pulumirpc.GetRequiredPluginsResponse, error) {
	deps, err := h.requiredPackages(ctx, req.GetInfo())
	if err != nil {
		return nil, err
	}
	resp := &pulumirpc.GetRequiredPluginsResponse{}
	for _, d := range deps {
		if d.Parameterization == nil {
			resp.Plugins = append(resp.Plugins, &pulumirpc.PluginDependency{Name: d.Name, Kind: d.Kind, Version: d.Version, Server: d.Server})
		}
	}
	return resp, nil
}

func (h *host) Run(ctx context.Context, req *pulumirpc.RunRequest) (*pulumirpc.RunResponse, error) {
	tc, err := toolchainFor(req.GetInfo())
	if err != nil {
		return nil, err
	}
	if err := tc.ValidateVenv(ctx); err != nil {
		return &pulumirpc.RunResponse{Error: err.Error()}, nil
	}
	args := []string{h.exec}
	add := func(k, v string) {
		if v != "" {
			args = append(args, "--"+k, v)
		}
	}
	add("monitor", req.GetMonitorAddress())
	add("engine", h.engineAddress)
	add("project", req.GetProject())
	add("stack", req.GetStack())
	add("pwd", req.GetPwd())
	add("root_directory", req.GetInfo().GetRootDirectory())
	add("organization", req.GetOrganization())
	add("tracing", h.tracing)
	if req.GetDryRun() {
		add("dry_run", "true")
	}
	args = append(args, "--parallel", fmt.Sprint(req.GetParallel()))
	program := req.GetInfo().GetEntryPoint()
	if program == "" {
		program = req.GetProgram()
	}
	if program == "" {
		program = "."
	}
	args = append(args, program)
	args = append(args, req.GetArgs()...)

	cmd, err := tc.Command(ctx, args...)
	if err != nil {
		return nil, err
	}
	// Always JSON objects/arrays: the SDK iterates them and chokes on "null".
	configMap := req.GetConfig()
	if configMap == nil {
		configMap = map[string]string{}
	}
	config, err := json.Marshal(configMap)
	if err != nil {
		return nil, err
	}
	secretKeyList := req.GetConfigSecretKeys()
	if secretKeyList == nil {
		secretKeyList = []string{}
	}
	secretKeys, err := json.Marshal(secretKeyList)
	if err != nil {
		return nil, err
	}
	if cmd.Env == nil {
		cmd.Env = os.Environ()
	}
	cmd.Env = append(cmd.Env, "PULUMI_CONFIG="+string(config), "PULUMI_CONFIG_SECRET_KEYS="+string(secretKeys))
	if req.GetPwd() != "" {
		cmd.Dir = req.GetPwd()
	}
	cmd.Stdout, cmd.Stderr = os.Stdout, os.Stderr
	logging.V(5).Infof("language host launching: %s", strings.Join(cmd.Args, " "))
	if err := cmd.Run(); err != nil {
		var exitErr *exec.ExitError
		if errors.As(err, &exitErr) {
			if exitErr.ExitCode() == execBailExitCode {
				return &pulumirpc.RunResponse{Bail: true}, nil
			}
			return &pulumirpc.RunResponse{Error: fmt.Sprintf("Program exited with non-zero exit code: %d", exitErr.ExitCode())}, nil
		}
		return &pulumirpc.RunResponse{Error: fmt.Sprintf("Problem executing program (could not run language executor): %v", err)}, nil
	}
	return &pulumirpc.RunResponse{}, nil
}

type streamWriter struct {
	send   func(*pulumirpc.InstallDependenciesResponse) error
	stderr bool
}

func (w streamWriter) Write(p []byte) (int, error) {
	b := append([]byte(nil), p...)
	msg := &pulumirpc.InstallDependenciesResponse{Stdout: b}
	if w.stderr {
		msg = &pulumirpc.InstallDependenciesResponse{Stderr: b}
	}
	if err := w.send(msg); err != nil {
		return 0, err
	}
	return len(p), nil
}

func (h *host) InstallDependencies(req *pulumirpc.InstallDependenciesRequest, srv grpc.ServerStreamingServer[pulumirpc.InstallDependenciesResponse]) error {
	info := req.GetInfo()
	if info == nil {
		info = &pulumirpc.ProgramInfo{RootDirectory: req.GetDirectory(), ProgramDirectory: req.GetDirectory(), EntryPoint: "."}
	}
	tc, err := toolchainFor(info)
	if err != nil {
		return err
	}
	var stdout, stderr io.Writer = streamWriter{send: srv.Send}, streamWriter{send: srv.Send, stderr: true}
	ctx := srv.Context()
	if err := tc.InstallDependencies(ctx, info.GetProgramDirectory(), req.GetUseLanguageVersionTools(), true, stdout, stderr); err != nil {
		return err
	}
	return nil
}

func (h *host) RuntimeOptionsPrompts(ctx context.Context, _ *pulumirpc.RuntimeOptionsRequest) (*pulumirpc.RuntimeOptionsResponse, error) {
	return &pulumirpc.RuntimeOptionsResponse{}, nil
}

func (h *host) About(ctx context.Context, req *pulumirpc.AboutRequest) (*pulumirpc.AboutResponse, error) {
	tc, err := toolchainFor(req.GetInfo())
	if err != nil {
		return nil, err
	}
	info, err := tc.About(ctx)
	if err != nil {
		return nil, err
	}
	return &pulumirpc.AboutResponse{
		Executable: info.PythonExecutable,
		Version:    info.PythonVersion.String(),
		Metadata:   map[string]string{"host": "flowforge minimal pulumi-language-python " + hostVersion()},
	}, nil
}

func (h *host) GetProgramDependencies(ctx context.Context, req *pulumirpc.GetProgramDependenciesRequest) (*pulumirpc.GetProgramDependenciesResponse, error) {
	tc, err := toolchainFor(req.GetInfo())
	if err != nil {
		return nil, err
	}
	pkgs, err := tc.ListPackages(ctx, req.GetTransitiveDependencies())
	if err != nil {
		return nil, err
	}
	resp := &pulumirpc.GetProgramDependenciesResponse{}
	for _, p := range pkgs {
		resp.Dependencies = append(resp.Dependencies, &pulumirpc.DependencyInfo{Name: p.Name, Version: p.Version})
	}
	return resp, nil
}
