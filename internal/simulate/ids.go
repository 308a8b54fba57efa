package simulate

import (
	"math/rand/v2"
	"strconv"
	"time"
)

// Alphabets of the identifiers AWS writes.
const (
	keyAlphabet   = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567" // access key and unique ids
	alnumAlphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789"
	hexAlphabet   = "0123456789abcdef"
	upperHex      = "0123456789ABCDEF"
	base64Chars   = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/"
)

// newRand returns a generator for one stream of a seed. Streams are
// independent, so each file can be generated on its own and in parallel.
func newRand(seed, stream uint64) *rand.Rand {
	return rand.New(rand.NewPCG(seed, mix(stream^0x5851f42d4c957f2d)))
}

// mix is the splitmix64 finalizer: a stateless hash for ids that must be
// the same wherever they are computed (such as a session's key).
func mix(x uint64) uint64 {
	x += 0x9e3779b97f4a7c15
	x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9
	x = (x ^ (x >> 27)) * 0x94d049bb133111eb
	return x ^ (x >> 31)
}

// appendRand appends n random characters of alphabet (at most 64 letters),
// six bits of one random word per character.
func appendRand(b []byte, r *rand.Rand, alphabet string, n int) []byte {
	var w uint64
	for i := range n {
		if i%10 == 0 {
			w = r.Uint64()
		}
		b = append(b, alphabet[int(w&63)%len(alphabet)])
		w >>= 6
	}
	return b
}

func randString(r *rand.Rand, alphabet string, n int) string {
	return string(appendRand(make([]byte, 0, n), r, alphabet, n))
}

// hashString derives n characters of alphabet (at most 64 letters) from h.
func hashString(h uint64, alphabet string, n int) string {
	b := make([]byte, n)
	for i := range b {
		if i%8 == 0 {
			h = mix(h + uint64(i))
		}
		b[i] = alphabet[int(h&63)%len(alphabet)]
		h >>= 6
	}
	return string(b)
}

// appendUUID appends a random version-4 UUID in lower-case hex.
func appendUUID(b []byte, r *rand.Rand) []byte {
	hi, lo := r.Uint64(), r.Uint64()
	hi = hi&^0xf000 | 0x4000
	lo = lo&^(3<<62) | 2<<62
	var raw [16]byte
	for i := range 8 {
		raw[i] = byte(hi >> (56 - 8*i))
		raw[8+i] = byte(lo >> (56 - 8*i))
	}
	for i, c := range raw {
		if i == 4 || i == 6 || i == 8 || i == 10 {
			b = append(b, '-')
		}
		b = append(b, hexAlphabet[c>>4], hexAlphabet[c&15])
	}
	return b
}

func randUUID(r *rand.Rand) string { return string(appendUUID(nil, r)) }

func randAccountID(r *rand.Rand) string {
	return strconv.Itoa(1+r.IntN(9)) + randString(r, "0123456789", 11)
}

// randPublicIP returns an address from documentation and test-database
// ranges, so simulated traffic never names a real third party.
func randPublicIP(r *rand.Rand, prefixes []string) string {
	return prefixes[r.IntN(len(prefixes))] + strconv.Itoa(2+r.IntN(250))
}

// Address prefixes: people (MaxMind test ranges), EC2 public addresses,
// and attackers (RFC 5737 documentation ranges).
var (
	peoplePrefixes   = []string{"81.2.69.", "216.160.83.", "89.160.20.", "2.125.160."}
	ec2Prefixes      = []string{"3.91.17.", "18.207.4.", "34.224.81.", "44.201.12.", "52.90.33.", "54.158.6."}
	attackerPrefixes = []string{"198.51.100.", "203.0.113."}
)

// sessionKey is the ASIA key of a principal's session in the given hour, the
// same in every file, so a session's calls share one key as they do in AWS.
func sessionKey(seed, principal uint64, hour int64) string {
	return "ASIA" + hashString(seed^principal*0x9e3779b97f4a7c15^uint64(hour)<<20, keyAlphabet, 16)
}

// sessionStart is when that session's credentials were issued.
func sessionStart(seed, principal uint64, hour int64) time.Time {
	jitter := int64(mix(seed^principal^uint64(hour)) % 600)
	return time.Unix(hour*3600-jitter, 0).UTC()
}

const timeLayout = "2006-01-02T15:04:05Z"
