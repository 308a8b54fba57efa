package ec2

import (
	_ "embed"
	"fmt"
	"math"
	"strings"
)

// The DGA classifier scores the registrable label of a query name (the
// label left of the public suffix: "x3kq9vbz0pwm" in x3kq9vbz0pwm.net) on
// how unlike a made-up-of-words host name it is. It is documented in
// dnsDGAScore and in the Logic of Trojan:EC2/DGADomainRequest.B.

//go:embed dns_words.txt
var dnsWordText string

// Symbols of the bigram model: 0 is the start or end of a label or of a
// hyphen-separated part of one (a hyphen joins words: "shop-online"), 1-26
// the letters, 27 any digit and 29 anything else. dnsSymHyphen is only
// used to tell hyphens apart before they become edges.
const (
	dnsSymEdge   = 0
	dnsSymDigit  = 27
	dnsSymHyphen = 28
	dnsSymOther  = 29
	dnsSyms      = 30
)

// dnsSym maps a byte to its symbol.
var dnsSym = func() (t [256]uint8) {
	for i := range t {
		t[i] = dnsSymOther
	}
	for c := 'a'; c <= 'z'; c++ {
		t[c] = uint8(c-'a') + 1
		t[c-'a'+'A'] = uint8(c-'a') + 1
	}
	for c := '0'; c <= '9'; c++ {
		t[c] = dnsSymDigit
	}
	t['-'] = dnsSymHyphen
	return t
}()

// dnsVowel marks the letters that end a consonant run (y counts as a
// vowel: "rhythm", "crypto", "sync").
var dnsVowel = func() (t [256]bool) {
	for _, c := range "aeiouyAEIOUY" {
		t[c] = true
	}
	return t
}()

// dnsBigramSmoothing is the add-k pseudo-count of every bigram, so that a
// bigram absent from the word list costs about log2(row total / k) bits
// instead of infinity.
const dnsBigramSmoothing = 0.5

// dnsSurprisal[a][b] is -log2 P(b | a) under the bigram model built from
// dns_words.txt at start-up (a few hundred words: well under a
// millisecond).
var dnsSurprisal = dnsBuildModel(dnsWordText)

func dnsBuildModel(text string) *[dnsSyms][dnsSyms]float32 {
	var counts [dnsSyms][dnsSyms]float64
	for _, line := range strings.Split(text, "\n") {
		if strings.HasPrefix(line, "#") {
			continue
		}
		for _, w := range strings.Fields(line) {
			prev := uint8(dnsSymEdge)
			for i := 0; i < len(w); i++ {
				s := dnsSym[w[i]]
				counts[prev][s]++
				prev = s
			}
			counts[prev][dnsSymEdge]++
		}
	}
	var m [dnsSyms][dnsSyms]float32
	for a := range counts {
		total := 0.0
		for _, c := range counts[a] {
			total += c
		}
		for b, c := range counts[a] {
			m[a][b] = float32(-math.Log2((c + dnsBigramSmoothing) / (total + dnsBigramSmoothing*dnsSyms)))
		}
	}
	return &m
}

// dnsLabelFeatures are the features of one label.
type dnsLabelFeatures struct {
	Length       int
	Entropy      float64 // Shannon entropy, bits per character
	DigitRatio   float64 // digits / length
	ConsonantRun int     // longest run of consonant letters
	Surprisal    float64 // mean -log2 P of the label's bigrams (with its start and end), bits
}

// dnsFeatures computes the features of label.
func dnsFeatures(label string) dnsLabelFeatures {
	f := dnsLabelFeatures{Length: len(label), Entropy: dnsEntropy(label)}
	digits, run := 0, 0
	sum := float32(0)
	prev := uint8(dnsSymEdge)
	for i := 0; i < len(label); i++ {
		c := label[i]
		s := dnsSym[c]
		if s == dnsSymHyphen {
			s = dnsSymEdge
		}
		sum += dnsSurprisal[prev][s]
		prev = s
		switch {
		case s == dnsSymDigit:
			digits++
			run = 0
		case s <= 26 && !dnsVowel[c]:
			run++
			f.ConsonantRun = max(f.ConsonantRun, run)
		default:
			run = 0
		}
	}
	sum += dnsSurprisal[prev][dnsSymEdge]
	if len(label) > 0 {
		f.DigitRatio = float64(digits) / float64(len(label))
		f.Surprisal = float64(sum) / float64(len(label)+1)
	}
	return f
}

// Weights and ranges of the DGA score. Each feature is mapped linearly
// onto [0, 1] between its "word-like" and its "random-like" value and
// clamped; the score is the weighted sum, so it lies in [0, 1]. The
// bigram surprisal carries most weight because it is the only feature
// that knows what words look like; the others separate long random
// strings, hex digests and consonant soup from short abbreviations.
// The values were tuned on a list of everyday registrable labels against
// random letters, letters and digits, and hex strings (dns_dga_test.go).
const (
	dnsWSurprisal = 0.40 // mean bigram surprisal: 3.6 bits (word-like) → 5.6 bits (random)
	dnsWConsonant = 0.15 // longest consonant run: 3 → 6
	dnsWEntropy   = 0.15 // Shannon entropy: 2.5 → 3.5 bits per character
	dnsWDigits    = 0.15 // digit ratio: 0.1 → 0.5
	dnsWLength    = 0.15 // length: 7 → 16 characters

	dnsSurprisalLo, dnsSurprisalHi = 3.6, 5.6
	dnsRunLo, dnsRunHi             = 3, 6
	dnsEntropyLo, dnsEntropyHi     = 2.5, 3.5
	dnsDigitLo, dnsDigitHi         = 0.1, 0.5
	dnsLengthLo, dnsLengthHi       = 7, 16
)

// Score returns the DGA score of the features, in [0, 1]:
//
//	score = 0.40·ramp(surprisal, 3.6, 5.6) + 0.15·ramp(consonantRun, 3, 6)
//	      + 0.15·ramp(entropy, 2.5, 3.5) + 0.15·ramp(digitRatio, 0.1, 0.5)
//	      + 0.15·ramp(length, 7, 16)
//
// where ramp(x, lo, hi) = clamp((x-lo)/(hi-lo), 0, 1). Everyday labels
// score 0.2 on average and rarely above 0.5 (abbreviations such as
// "msftncsi" reach 0.6, which is why a finding also needs NXDOMAIN
// answers); random strings of 12 characters or more average 0.75.
func (f dnsLabelFeatures) Score() float64 {
	return dnsWSurprisal*dnsRamp(f.Surprisal, dnsSurprisalLo, dnsSurprisalHi) +
		dnsWConsonant*dnsRamp(float64(f.ConsonantRun), dnsRunLo, dnsRunHi) +
		dnsWEntropy*dnsRamp(f.Entropy, dnsEntropyLo, dnsEntropyHi) +
		dnsWDigits*dnsRamp(f.DigitRatio, dnsDigitLo, dnsDigitHi) +
		dnsWLength*dnsRamp(float64(f.Length), dnsLengthLo, dnsLengthHi)
}

// dnsScoreFormula is the formula of Score, for the Logic of the finding
// types.
func dnsScoreFormula() string {
	return fmt.Sprintf("%.2f·ramp(bigram surprisal, %g, %g bits) + %.2f·ramp(longest consonant run, %d, %d) + "+
		"%.2f·ramp(Shannon entropy, %g, %g bits/char) + %.2f·ramp(digit ratio, %g, %g) + %.2f·ramp(length, %d, %d)",
		dnsWSurprisal, dnsSurprisalLo, dnsSurprisalHi, dnsWConsonant, dnsRunLo, dnsRunHi,
		dnsWEntropy, dnsEntropyLo, dnsEntropyHi, dnsWDigits, dnsDigitLo, dnsDigitHi, dnsWLength, dnsLengthLo, dnsLengthHi)
}

func dnsRamp(x, lo, hi float64) float64 {
	return min(max((x-lo)/(hi-lo), 0), 1)
}

// dnsDGAScore returns the DGA score of a registrable label, or -1 when the
// label is not scored: shorter than minLen, an internationalized name
// ("xn--"), or holding characters other than letters, digits and hyphens.
func dnsDGAScore(label string, minLen int) float64 {
	if len(label) < minLen || strings.HasPrefix(label, "xn--") {
		return -1
	}
	for i := 0; i < len(label); i++ {
		if dnsSym[label[i]] == dnsSymOther {
			return -1
		}
	}
	return dnsFeatures(label).Score()
}
