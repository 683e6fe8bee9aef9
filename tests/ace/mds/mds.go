// ace-mds: a metadata service for the tests, serving one pod as appc's metadata service spec
// (ace.md, "App Container Metadata Service") and rkt's `rkt metadata-service` do, for the ACE
// validator and for tests that query AC_METADATA_URL themselves. Standard library only.
//
//	ace-mds -token TOKEN (-pod PODDIR | -data DATADIR) [-listen 127.0.0.1:18112]
//	        [-ready FILE] [-lifetime 10m]
//
// -pod names the pod directory (rkt's pods/run/UUID); -data a rkt data directory whose only
// pod under pods/run/ is served (so a test can start the service before its stage0 has
// prepared the pod). The pod is read at each request: its `pod` manifest and
// `appsinfo/APP/manifest`; its UUID is the directory's name.
//
// Served under /TOKEN/acMetadata/v1, only with the header Metadata-Flavor: AppContainer:
//
//	GET  pod/manifest                 application/json             the pod manifest, as stored
//	GET  pod/uuid                     text/plain; charset=us-ascii the pod's UUID
//	GET  pod/annotations              application/json             the pod manifest's annotations
//	GET  pod/annotations/NAME         text/plain; charset=us-ascii one annotation's value
//	GET  apps/APP/image/manifest      application/json             APP's image manifest
//	GET  apps/APP/image/id            text/plain; charset=us-ascii APP's image ID (pod manifest)
//	GET  apps/APP/annotations         application/json             image annotations merged
//	                                                                with the pod's app ones
//	GET  apps/APP/annotations/NAME    text/plain; charset=us-ascii one of them
//	POST pod/hmac/sign    content=C   text/plain; charset=us-ascii base64 HMAC-SHA512(key,
//	                                                                uuid bytes || C)
//	POST pod/hmac/verify  content=C uuid=U signature=S              200, or 403 on mismatch
//
// The file named by -ready is written once the port listens. The service exits on SIGTERM or
// SIGINT, when its parent dies, or after -lifetime.
package main

import (
	"bytes"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha512"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"log"
	"net"
	"net/http"
	"os"
	"os/signal"
	"path/filepath"
	"strings"
	"syscall"
	"time"
)

const (
	textPlain = "text/plain; charset=us-ascii"
	appJSON   = "application/json"
	basePath  = "/acMetadata/v1/"
	maxFile   = 4 << 20
)

var (
	flagToken    = flag.String("token", "", "the token in AC_METADATA_URL (required)")
	flagPod      = flag.String("pod", "", "the pod directory")
	flagData     = flag.String("data", "", "a rkt data directory whose only running pod is served")
	flagListen   = flag.String("listen", "127.0.0.1:18112", "address to listen on")
	flagReady    = flag.String("ready", "", "file written once listening")
	flagLifetime = flag.Duration("lifetime", 10*time.Minute, "exit after this long")

	hmacKey [sha512.Size]byte
)

type annotation struct {
	Name  string `json:"name"`
	Value string `json:"value"`
}

type runtimeApp struct {
	Name  string `json:"name"`
	Image struct {
		ID string `json:"id"`
	} `json:"image"`
	Annotations []annotation `json:"annotations"`
}

type podManifest struct {
	Apps []runtimeApp `json:"apps"`
}

type imageManifest struct {
	Annotations []annotation `json:"annotations"`
}

// pod is what one request sees of the pod.
type pod struct {
	dir  string
	uuid string
	raw  []byte
	pm   podManifest
}

type httpError struct {
	code int
	msg  string
}

func (e *httpError) Error() string { return e.msg }

func fail(code int, format string, a ...interface{}) error {
	return &httpError{code, fmt.Sprintf(format, a...)}
}

func readFile(path string) ([]byte, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	b := make([]byte, maxFile+1)
	n := 0
	for n < len(b) {
		m, err := f.Read(b[n:])
		n += m
		if err != nil {
			break
		}
	}
	if n > maxFile {
		return nil, fmt.Errorf("%s: larger than %d bytes", path, maxFile)
	}
	return b[:n], nil
}

func podDir() (string, error) {
	if *flagPod != "" {
		return *flagPod, nil
	}
	dirs, err := filepath.Glob(filepath.Join(*flagData, "pods", "run", "*"))
	if err != nil {
		return "", err
	}
	if len(dirs) != 1 {
		return "", fmt.Errorf("%d pods under %s/pods/run, want 1", len(dirs), *flagData)
	}
	return dirs[0], nil
}

func loadPod() (*pod, error) {
	dir, err := podDir()
	if err != nil {
		return nil, fail(http.StatusNotFound, "pod not found: %v", err)
	}
	raw, err := readFile(filepath.Join(dir, "pod"))
	if err != nil {
		return nil, fail(http.StatusNotFound, "pod manifest: %v", err)
	}
	p := &pod{dir: dir, uuid: filepath.Base(dir), raw: raw}
	if err := json.Unmarshal(raw, &p.pm); err != nil {
		return nil, fail(http.StatusInternalServerError, "pod manifest: %v", err)
	}
	return p, nil
}

func (p *pod) app(name string) (*runtimeApp, error) {
	for i := range p.pm.Apps {
		if p.pm.Apps[i].Name == name {
			return &p.pm.Apps[i], nil
		}
	}
	return nil, fail(http.StatusNotFound, "app %q not found", name)
}

func (p *pod) imageManifest(name string) ([]byte, error) {
	if strings.ContainsAny(name, "/\x00") || name == "." || name == ".." {
		return nil, fail(http.StatusNotFound, "app %q not found", name)
	}
	b, err := readFile(filepath.Join(p.dir, "appsinfo", name, "manifest"))
	if err != nil {
		return nil, fail(http.StatusNotFound, "image manifest of %q: %v", name, err)
	}
	return b, nil
}

// podAnnotations: the manifest's own "annotations" value, so that absent, null and [] stay
// what they were.
func (p *pod) podAnnotations() ([]byte, error) {
	var fields map[string]json.RawMessage
	if err := json.Unmarshal(p.raw, &fields); err != nil {
		return nil, fail(http.StatusInternalServerError, "pod manifest: %v", err)
	}
	if a, ok := fields["annotations"]; ok {
		return a, nil
	}
	return []byte("null"), nil
}

// appAnnotations: the image's annotations in their order, each of the pod's app annotations
// replacing the value of the same name or appended (rkt's mergeAppAnnotations).
func (p *pod) appAnnotations(name string) ([]annotation, error) {
	app, err := p.app(name)
	if err != nil {
		return nil, err
	}
	b, err := p.imageManifest(name)
	if err != nil {
		return nil, err
	}
	var im imageManifest
	if err := json.Unmarshal(b, &im); err != nil {
		return nil, fail(http.StatusInternalServerError, "image manifest of %q: %v", name, err)
	}
	merged := []annotation{}
	set := func(a annotation) {
		for i := range merged {
			if merged[i].Name == a.Name {
				merged[i].Value = a.Value
				return
			}
		}
		merged = append(merged, a)
	}
	for _, a := range im.Annotations {
		set(a)
	}
	for _, a := range app.Annotations {
		set(a)
	}
	return merged, nil
}

func lookup(as []annotation, name string) (string, error) {
	for _, a := range as {
		if a.Name == name {
			return a.Value, nil
		}
	}
	return "", fail(http.StatusNotFound, "annotation %q not found", name)
}

func uuidBytes(s string) ([]byte, error) {
	b, err := hex.DecodeString(strings.ReplaceAll(s, "-", ""))
	if err != nil || len(b) != 16 {
		return nil, fail(http.StatusBadRequest, "malformed uuid %q", s)
	}
	return b, nil
}

func sign(uuid []byte, content string) []byte {
	h := hmac.New(sha512.New, hmacKey[:])
	h.Write(uuid)
	h.Write([]byte(content))
	return h.Sum(nil)
}

type reply struct {
	ctype string
	body  []byte
}

func jsonReply(v interface{}) (*reply, error) {
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		return nil, err
	}
	return &reply{appJSON, bytes.TrimSuffix(b.Bytes(), []byte("\n"))}, nil
}

// route answers one request for the path below /TOKEN/acMetadata/v1/.
func route(r *http.Request, path string) (*reply, error) {
	parts := strings.Split(strings.TrimSuffix(path, "/"), "/")
	want := http.MethodGet
	if len(parts) == 3 && parts[0] == "pod" && parts[1] == "hmac" {
		want = http.MethodPost
	}
	if r.Method != want {
		return nil, fail(http.StatusMethodNotAllowed, "%s %s: use %s", r.Method, path, want)
	}
	p, err := loadPod()
	if err != nil {
		return nil, err
	}
	switch {
	case len(parts) == 2 && parts[0] == "pod" && parts[1] == "manifest":
		return &reply{appJSON, p.raw}, nil
	case len(parts) == 2 && parts[0] == "pod" && parts[1] == "uuid":
		return &reply{textPlain, []byte(p.uuid)}, nil
	case len(parts) == 2 && parts[0] == "pod" && parts[1] == "annotations":
		b, err := p.podAnnotations()
		if err != nil {
			return nil, err
		}
		return &reply{appJSON, b}, nil
	case len(parts) >= 3 && parts[0] == "pod" && parts[1] == "annotations":
		// Annotation names are ACIdentifiers: they may hold slashes.
		b, err := p.podAnnotations()
		if err != nil {
			return nil, err
		}
		var as []annotation
		if err := json.Unmarshal(b, &as); err != nil {
			return nil, fail(http.StatusInternalServerError, "pod annotations: %v", err)
		}
		v, err := lookup(as, strings.Join(parts[2:], "/"))
		if err != nil {
			return nil, err
		}
		return &reply{textPlain, []byte(v)}, nil
	case len(parts) == 3 && parts[0] == "pod" && parts[1] == "hmac" && parts[2] == "sign":
		content := r.PostFormValue("content")
		if content == "" {
			return nil, fail(http.StatusBadRequest, "content form value missing")
		}
		u, err := uuidBytes(p.uuid)
		if err != nil {
			return nil, err
		}
		sig := base64.StdEncoding.EncodeToString(sign(u, content))
		return &reply{textPlain, []byte(sig)}, nil
	case len(parts) == 3 && parts[0] == "pod" && parts[1] == "hmac" && parts[2] == "verify":
		content := r.PostFormValue("content")
		if content == "" {
			return nil, fail(http.StatusBadRequest, "content form value missing")
		}
		us := r.PostFormValue("uuid")
		if us == "" {
			us = r.PostFormValue("uid") // rkt's older name
		}
		u, err := uuidBytes(us)
		if err != nil {
			return nil, err
		}
		sig, err := base64.StdEncoding.DecodeString(r.PostFormValue("signature"))
		if err != nil {
			return nil, fail(http.StatusBadRequest, "signature missing or corrupt: %v", err)
		}
		if !hmac.Equal(sig, sign(u, content)) {
			return nil, fail(http.StatusForbidden, "signature does not verify")
		}
		return &reply{textPlain, nil}, nil
	case len(parts) == 4 && parts[0] == "apps" && parts[2] == "image" && parts[3] == "manifest":
		if _, err := p.app(parts[1]); err != nil {
			return nil, err
		}
		b, err := p.imageManifest(parts[1])
		if err != nil {
			return nil, err
		}
		return &reply{appJSON, b}, nil
	case len(parts) == 4 && parts[0] == "apps" && parts[2] == "image" && parts[3] == "id":
		app, err := p.app(parts[1])
		if err != nil {
			return nil, err
		}
		return &reply{textPlain, []byte(app.Image.ID)}, nil
	case len(parts) == 3 && parts[0] == "apps" && parts[2] == "annotations":
		as, err := p.appAnnotations(parts[1])
		if err != nil {
			return nil, err
		}
		return jsonReply(as)
	case len(parts) >= 4 && parts[0] == "apps" && parts[2] == "annotations":
		as, err := p.appAnnotations(parts[1])
		if err != nil {
			return nil, err
		}
		v, err := lookup(as, strings.Join(parts[3:], "/"))
		if err != nil {
			return nil, err
		}
		return &reply{textPlain, []byte(v)}, nil
	}
	return nil, fail(http.StatusNotFound, "no such endpoint %q", path)
}

func handler(w http.ResponseWriter, r *http.Request) {
	code := http.StatusOK
	defer func() { log.Printf("%s %s - %d", r.Method, r.URL.Path, code) }()
	var rep *reply
	err := func() error {
		prefix := "/" + *flagToken + basePath
		if !strings.HasPrefix(r.URL.Path, prefix) {
			return fail(http.StatusUnauthorized, "unknown token or path")
		}
		if r.Header.Get("Metadata-Flavor") != "AppContainer" {
			return fail(http.StatusBadRequest, "Metadata-Flavor: AppContainer header missing")
		}
		var err error
		rep, err = route(r, strings.TrimPrefix(r.URL.Path, prefix))
		return err
	}()
	if err != nil {
		var he *httpError
		code = http.StatusInternalServerError
		if errors.As(err, &he) {
			code = he.code
		}
		w.Header().Set("Content-Type", textPlain)
		w.WriteHeader(code)
		fmt.Fprintln(w, err)
		return
	}
	w.Header().Set("Content-Type", rep.ctype)
	w.WriteHeader(code)
	w.Write(rep.body)
}

func main() {
	flag.Parse()
	log.SetPrefix("ace-mds: ")
	if *flagToken == "" || strings.Contains(*flagToken, "/") || (*flagPod == "") == (*flagData == "") {
		fmt.Fprintln(os.Stderr, "usage: ace-mds -token TOKEN (-pod PODDIR | -data DATADIR) [-listen ADDR] [-ready FILE] [-lifetime D]")
		os.Exit(2)
	}
	// Die with the test that started us, whatever happens to it.
	syscall.RawSyscall(syscall.SYS_PRCTL, syscall.PR_SET_PDEATHSIG, uintptr(syscall.SIGTERM), 0)
	if os.Getppid() == 1 {
		os.Exit(1)
	}
	if _, err := rand.Read(hmacKey[:]); err != nil {
		log.Fatalf("HMAC key: %v", err)
	}
	l, err := net.Listen("tcp", *flagListen)
	if err != nil {
		log.Fatalf("listen: %v", err)
	}
	if *flagReady != "" {
		if err := os.WriteFile(*flagReady, []byte(l.Addr().String()+"\n"), 0644); err != nil {
			log.Fatalf("ready file: %v", err)
		}
	}
	srv := &http.Server{Handler: http.HandlerFunc(handler), ReadHeaderTimeout: 5 * time.Second}
	go func() {
		sig := make(chan os.Signal, 1)
		signal.Notify(sig, syscall.SIGTERM, syscall.SIGINT)
		select {
		case <-sig:
		case <-time.After(*flagLifetime):
			log.Printf("lifetime of %v over", *flagLifetime)
		}
		srv.Close()
	}()
	log.Printf("serving on %s", l.Addr())
	if err := srv.Serve(l); err != nil && err != http.ErrServerClosed {
		log.Fatalf("serve: %v", err)
	}
}
