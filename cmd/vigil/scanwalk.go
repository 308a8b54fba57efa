package main

import (
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"time"
)

// scanFile is one local file to scan.
type scanFile struct {
	path string
	size int64
}

// walkFiles lists the regular files under the given paths, skipping those
// whose path or base name matches an exclusion glob (a matching folder is
// skipped whole). Symbolic links are not followed; devices, sockets and
// pipes are skipped. Unreadable folders are returned as errors, the walk
// goes on.
func walkFiles(paths, excludes []string) ([]scanFile, int64, []error) {
	var files []scanFile
	var total int64
	var errs []error
	for _, root := range paths {
		err := filepath.WalkDir(root, func(p string, d fs.DirEntry, err error) error {
			if err != nil {
				errs = append(errs, err)
				return nil
			}
			if excluded(p, excludes) {
				if d.IsDir() {
					return filepath.SkipDir
				}
				return nil
			}
			if !d.Type().IsRegular() {
				return nil
			}
			info, err := d.Info()
			if err != nil {
				errs = append(errs, err)
				return nil
			}
			files = append(files, scanFile{path: p, size: info.Size()})
			total += info.Size()
			return nil
		})
		if err != nil {
			errs = append(errs, err)
		}
	}
	return files, total, errs
}

func excluded(p string, globs []string) bool {
	base := filepath.Base(p)
	for _, g := range globs {
		if ok, _ := filepath.Match(g, p); ok {
			return true
		}
		if ok, _ := filepath.Match(g, base); ok {
			return true
		}
		if strings.HasSuffix(g, "/") && strings.Contains(p+"/", "/"+strings.TrimPrefix(g, "/")) {
			return true
		}
	}
	return false
}

// progressBar draws files, bytes, rate and ETA on a terminal.
type progressBar struct {
	w          io.Writer
	totalFiles int64
	totalBytes int64
	files      atomic.Int64
	bytes      atomic.Int64
	start      time.Time
	stop       chan struct{}
	done       chan struct{}
}

// startProgress draws a bar on stderr every 200 ms when it is a terminal;
// otherwise it returns a bar that draws nothing.
func startProgress(totalFiles int, totalBytes int64, enabled bool) *progressBar {
	p := &progressBar{w: os.Stderr, totalFiles: int64(totalFiles), totalBytes: totalBytes, start: time.Now(),
		stop: make(chan struct{}), done: make(chan struct{})}
	if !enabled || !isTerminal(os.Stderr) {
		close(p.done)
		return p
	}
	go func() {
		defer close(p.done)
		t := time.NewTicker(200 * time.Millisecond)
		defer t.Stop()
		for {
			select {
			case <-p.stop:
				fmt.Fprint(p.w, "\r\033[K")
				return
			case <-t.C:
				fmt.Fprint(p.w, "\r\033[K"+p.line())
			}
		}
	}()
	return p
}

// add records one scanned file of n bytes.
func (p *progressBar) add(n int64) {
	p.files.Add(1)
	p.bytes.Add(n)
}

// finish removes the bar.
func (p *progressBar) finish() {
	select {
	case <-p.done:
	default:
		close(p.stop)
		<-p.done
	}
}

func (p *progressBar) line() string {
	files, bytes := p.files.Load(), p.bytes.Load()
	el := time.Since(p.start).Seconds()
	frac := 1.0
	if p.totalBytes > 0 {
		frac = float64(bytes) / float64(p.totalBytes)
	}
	const width = 24
	n := int(frac * width)
	bar := strings.Repeat("=", n) + strings.Repeat(" ", width-n)
	rate := float64(bytes) / max(el, 1e-9)
	eta := "?"
	if rate > 0 && p.totalBytes >= bytes {
		eta = time.Duration(float64(p.totalBytes-bytes) / rate * float64(time.Second)).Round(time.Second).String()
	}
	return fmt.Sprintf("[%s] %3.0f%% %d/%d files %s/%s %s/s ETA %s", bar, frac*100, files, p.totalFiles,
		humanBytes(bytes), humanBytes(p.totalBytes), humanBytes(int64(rate)), eta)
}
