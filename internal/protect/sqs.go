package protect

import (
	"cmp"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/sqs"
	"github.com/aws/aws-sdk-go-v2/service/sqs/types"

	"github.com/vigil-sec/vigil/internal/source"
)

// SQSSourceOptions configures an SQSSource. Zero fields take the defaults
// named beside them.
type SQSSourceOptions struct {
	// QueueURL is the queue, as https://sqs.REGION.amazonaws.com/ACCOUNT/NAME.
	// Required.
	QueueURL string
	// Region defaults to the one in QueueURL, else the SDK's default chain
	// (AWS_REGION, shared config).
	Region string
	// Endpoint replaces the SQS endpoint, for SQS-compatible servers and
	// tests (http://127.0.0.1:9324).
	Endpoint string
	// AccessKeyID, SecretAccessKey and SessionToken are static
	// credentials. Without them the SDK's default chain is used
	// (environment, shared files, web identity, ECS or EC2 role).
	AccessKeyID     string
	SecretAccessKey string
	SessionToken    string

	// KeyDecoding says how S3 event notifications encode object keys:
	// KeyURLEncoded for AWS (the default).
	KeyDecoding KeyDecoding
	// WaitTimeSeconds is the long-poll time of one receive, 1 to 20.
	// Default 20.
	WaitTimeSeconds int32
	// MaxMessages is how many messages one receive asks for, 1 to 10.
	// Default 10.
	MaxMessages int32
	// VisibilityTimeout hides received messages from other receivers for
	// this long (whole seconds). Default 0: the queue's own setting.
	VisibilityTimeout time.Duration
	// RetryDelay is when a message whose events were not accepted becomes
	// visible again. Default 10 s.
	RetryDelay time.Duration
	// KeepMalformed leaves messages that are not S3 event notifications in
	// the queue, so that the queue's redrive policy moves them to its
	// dead-letter queue after maxReceiveCount receives. Without a redrive
	// policy they would come back forever, so the default (false) deletes
	// them; either way each one is logged and counted.
	KeepMalformed bool
}

// String shows the options with the secret key redacted.
func (o SQSSourceOptions) String() string {
	if o.SecretAccessKey != "" {
		o.SecretAccessKey = "xxxxx"
	}
	if o.SessionToken != "" {
		o.SessionToken = "xxxxx"
	}
	type plain SQSSourceOptions // no String method
	return fmt.Sprintf("%+v", plain(o))
}

func (o *SQSSourceOptions) setDefaults() {
	o.WaitTimeSeconds = cmp.Or(o.WaitTimeSeconds, 20)
	o.MaxMessages = cmp.Or(o.MaxMessages, 10)
	o.RetryDelay = cmp.Or(o.RetryDelay, 10*time.Second)
}

// Validate reports options that cannot work.
func (o *SQSSourceOptions) Validate() error {
	var errs []error
	if u, err := url.Parse(o.QueueURL); o.QueueURL == "" || err != nil || u.Host == "" {
		errs = append(errs, fmt.Errorf("sqs queue URL %q: want https://sqs.REGION.amazonaws.com/ACCOUNT/NAME", o.QueueURL))
	}
	if o.Endpoint != "" {
		if u, err := url.Parse(o.Endpoint); err != nil || u.Host == "" || (u.Scheme != "http" && u.Scheme != "https") {
			errs = append(errs, fmt.Errorf("sqs endpoint %q: want an http or https URL", o.Endpoint))
		}
	}
	if (o.AccessKeyID == "") != (o.SecretAccessKey == "") {
		errs = append(errs, errors.New("sqs: give both access key ID and secret access key, or neither"))
	}
	if o.WaitTimeSeconds < 1 || o.WaitTimeSeconds > 20 {
		errs = append(errs, fmt.Errorf("sqs wait time %ds: want 1 to 20", o.WaitTimeSeconds))
	}
	if o.MaxMessages < 1 || o.MaxMessages > 10 {
		errs = append(errs, fmt.Errorf("sqs max messages %d: want 1 to 10", o.MaxMessages))
	}
	if o.VisibilityTimeout < 0 || o.VisibilityTimeout > 12*time.Hour || o.RetryDelay < 0 || o.RetryDelay > 12*time.Hour {
		errs = append(errs, errors.New("sqs visibility timeout and retry delay: want 0 to 12h"))
	}
	return errors.Join(errs...)
}

// SQSSource receives S3 object-created events from an SQS queue. Message
// bodies may be S3 event notifications (S3 → SQS), EventBridge "Object
// Created" events (EventBridge → SQS) or either wrapped in an SNS
// notification (S3 → SNS → SQS without raw message delivery).
//
// Delivery is at least once. A message is deleted only when every event in
// it was accepted by Deliver; when one was not, the message is made visible
// again after RetryDelay and comes back whole. The s3:TestEvent S3 sends
// when notifications are configured, and other event types, are deleted.
// A body that is not an S3 event is logged, counted and deleted, or left
// for the queue's redrive policy with KeepMalformed.
type SQSSource struct {
	opts   SQSSourceOptions
	client *sqs.Client
	logger *slog.Logger
	stats  queueCounters
}

var _ Source = (*SQSSource)(nil)

// NewSQSSource checks opts, fills in defaults and makes the SQS client; it
// sends no request (Run does). A nil logger discards.
func NewSQSSource(opts SQSSourceOptions, logger *slog.Logger) (*SQSSource, error) {
	opts.setDefaults()
	if err := opts.Validate(); err != nil {
		return nil, err
	}
	if logger == nil {
		logger = slog.New(slog.NewTextHandler(io.Discard, nil))
	}
	// The same AWS configuration as S3 access: region (from the options or
	// the queue URL), static keys when given, else the default chain.
	cfg, err := source.AWSConfig(context.Background(), source.S3Options{
		Region: cmp.Or(opts.Region, sqsRegionFromURL(opts.QueueURL)), AccessKeyID: opts.AccessKeyID,
		SecretAccessKey: opts.SecretAccessKey, SessionToken: opts.SessionToken,
	})
	if err != nil {
		return nil, fmt.Errorf("sqs queue %s: %w", opts.QueueURL, err)
	}
	opts.Region = cfg.Region
	client := sqs.NewFromConfig(cfg, func(o *sqs.Options) {
		if opts.Endpoint != "" {
			o.BaseEndpoint = aws.String(opts.Endpoint)
		}
	})
	logger = logger.With("component", "sqs-source", "queue", opts.QueueURL)
	return &SQSSource{opts: opts, client: client, logger: logger}, nil
}

// Options returns the options with defaults filled in.
func (s *SQSSource) Options() SQSSourceOptions { return s.opts }

// Stats returns the counts so far, over all runs.
func (s *SQSSource) Stats() QueueStats { return s.stats.snapshot() }

// Run long-polls the queue and delivers events until ctx ends; it then
// returns nil. Failed receives are retried with a back-off, except when
// the queue does not exist or access is denied: Run returns that error.
func (s *SQSSource) Run(ctx context.Context, deliver Deliver) error {
	s.logger.Info("SQS source starting", "region", s.opts.Region)
	in := &sqs.ReceiveMessageInput{
		QueueUrl:                    aws.String(s.opts.QueueURL),
		MaxNumberOfMessages:         s.opts.MaxMessages,
		WaitTimeSeconds:             s.opts.WaitTimeSeconds,
		VisibilityTimeout:           int32(s.opts.VisibilityTimeout / time.Second),
		MessageSystemAttributeNames: []types.MessageSystemAttributeName{types.MessageSystemAttributeNameApproximateReceiveCount},
	}
	var bo queueBackoff
	for ctx.Err() == nil {
		out, err := s.client.ReceiveMessage(ctx, in)
		switch {
		case ctx.Err() != nil:
		case sqsPermanent(err):
			return fmt.Errorf("sqs receive from %s: %w", s.opts.QueueURL, err)
		case err != nil:
			d := bo.next()
			s.logger.Warn("SQS receive failed: retrying", "err", err, "in", d)
			queueSleep(ctx, d)
		default:
			bo.reset()
			s.handle(ctx, out.Messages, deliver)
		}
	}
	return nil
}

// handle delivers the events of the received messages, then deletes the
// messages that are done and makes the others visible again.
func (s *SQSSource) handle(ctx context.Context, msgs []types.Message, deliver Deliver) {
	var done, retry, release []types.Message
	for _, m := range msgs {
		if ctx.Err() != nil { // stopping: hand it back at once
			release = append(release, m)
			continue
		}
		log := s.logger.With("message_id", aws.ToString(m.MessageId), "receives", m.Attributes[string(types.MessageSystemAttributeNameApproximateReceiveCount)])
		parseErr, deliverErr := queueHandle(ctx, sqsUnwrapSNS([]byte(aws.ToString(m.Body))), s.opts.KeyDecoding, deliver, &s.stats)
		switch {
		case deliverErr != nil && ctx.Err() != nil:
			release = append(release, m)
		case deliverErr != nil:
			log.Debug("events not accepted: message will come again", "err", deliverErr, "in", s.opts.RetryDelay)
			retry = append(retry, m)
		case parseErr != nil && s.opts.KeepMalformed:
			log.Warn("malformed message left for the redrive policy", "bytes", len(aws.ToString(m.Body)), "err", parseErr)
		case parseErr != nil:
			log.Warn("malformed message deleted", "bytes", len(aws.ToString(m.Body)), "err", parseErr)
			done = append(done, m)
		default:
			done = append(done, m)
		}
	}
	s.stats.retried.Add(uint64(len(retry) + len(release)))
	// Finish even when ctx has ended, or accepted events would come again.
	fctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 10*time.Second)
	defer cancel()
	s.delete(fctx, done)
	s.changeVisibility(fctx, retry, s.opts.RetryDelay)
	s.changeVisibility(fctx, release, 0)
}

func (s *SQSSource) delete(ctx context.Context, msgs []types.Message) {
	if len(msgs) == 0 {
		return
	}
	entries := make([]types.DeleteMessageBatchRequestEntry, len(msgs))
	for i, m := range msgs {
		entries[i] = types.DeleteMessageBatchRequestEntry{Id: aws.String(strconv.Itoa(i)), ReceiptHandle: m.ReceiptHandle}
	}
	out, err := s.client.DeleteMessageBatch(ctx, &sqs.DeleteMessageBatchInput{QueueUrl: aws.String(s.opts.QueueURL), Entries: entries})
	if err != nil {
		s.logger.Warn("SQS delete failed: the messages will come again", "messages", len(msgs), "err", err)
		return
	}
	for _, f := range out.Failed {
		s.logger.Warn("SQS delete failed: the message will come again", "code", aws.ToString(f.Code), "err", aws.ToString(f.Message))
	}
}

func (s *SQSSource) changeVisibility(ctx context.Context, msgs []types.Message, after time.Duration) {
	if len(msgs) == 0 {
		return
	}
	entries := make([]types.ChangeMessageVisibilityBatchRequestEntry, len(msgs))
	for i, m := range msgs {
		entries[i] = types.ChangeMessageVisibilityBatchRequestEntry{
			Id: aws.String(strconv.Itoa(i)), ReceiptHandle: m.ReceiptHandle, VisibilityTimeout: int32(after / time.Second),
		}
	}
	_, err := s.client.ChangeMessageVisibilityBatch(ctx, &sqs.ChangeMessageVisibilityBatchInput{QueueUrl: aws.String(s.opts.QueueURL), Entries: entries})
	if err != nil { // not lost: they come back after the visibility timeout
		s.logger.Debug("SQS change visibility failed", "messages", len(msgs), "err", err)
	}
}

// sqsUnwrapSNS returns the message inside an SNS notification, or body as
// it is.
func sqsUnwrapSNS(body []byte) []byte {
	var sns struct {
		Type    string `json:"Type"`
		Message string `json:"Message"`
	}
	if json.Unmarshal(body, &sns) == nil && sns.Type == "Notification" && sns.Message != "" {
		return []byte(sns.Message)
	}
	return body
}

// sqsPermanent says whether a receive error is a configuration error that
// retrying will not mend.
func sqsPermanent(err error) bool {
	var missing *types.QueueDoesNotExist
	if errors.As(err, &missing) {
		return true
	}
	var apiErr interface{ ErrorCode() string }
	if !errors.As(err, &apiErr) {
		return false
	}
	switch apiErr.ErrorCode() {
	case "AccessDenied", "AccessDeniedException", "InvalidClientTokenId", "UnrecognizedClientException",
		"SignatureDoesNotMatch", "InvalidAddress", "InvalidSecurity", "AWS.SimpleQueueService.NonExistentQueue":
		return true
	}
	return false
}

// sqsRegionFromURL is REGION in https://sqs.REGION.amazonaws.com/..., or "".
func sqsRegionFromURL(queueURL string) string {
	u, err := url.Parse(queueURL)
	if err != nil {
		return ""
	}
	parts := strings.Split(u.Hostname(), ".")
	if len(parts) >= 4 && parts[0] == "sqs" && parts[2] == "amazonaws" {
		return parts[1]
	}
	return ""
}
