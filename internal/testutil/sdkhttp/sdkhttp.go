// Package sdkhttp has an HTTP client for AWS SDK clients in tests.
package sdkhttp

import (
	"bytes"
	"io"
	"net/http"
)

// Buffered reads each answer whole before the SDK sees it. Without it, an
// answer of a few hundred KiB to the SDK's POST fails now and then on
// loopback with "read tcp ...: use of closed network connection" (seen
// with the guardduty and securityhub clients alike, not with a plain
// net/http client; the cause, in the SDK's transport stack, was not
// pinned down). The deserializer still parses the very bytes the server
// sent. Use it as the SDK client's HTTPClient option.
type Buffered struct{}

// Do implements the SDK's HTTPClient.
func (Buffered) Do(r *http.Request) (*http.Response, error) {
	resp, err := http.DefaultClient.Do(r)
	if err != nil {
		return nil, err
	}
	b, err := io.ReadAll(resp.Body)
	resp.Body.Close()
	if err != nil {
		return nil, err
	}
	resp.Body = io.NopCloser(bytes.NewReader(b))
	return resp, nil
}
