package dstack

import "math/bits"

// keccak256 is the legacy Keccak-256 (Ethereum's hash, padding 0x01, not
// SHA3-256's 0x06). The C ABI has no general-purpose hash, and the standard
// library has only SHA-3; this is the one hash computed in Go, for
// VerifySignatureSimple, whose official signature takes the message itself.
func keccak256(data []byte) [32]byte {
	const rate = 136
	var st [25]uint64
	absorb := func(block []byte) {
		for i := 0; i < rate/8; i++ {
			var w uint64
			for j := 0; j < 8; j++ {
				w |= uint64(block[8*i+j]) << (8 * j)
			}
			st[i] ^= w
		}
		keccakF1600(&st)
	}
	for len(data) >= rate {
		absorb(data[:rate])
		data = data[rate:]
	}
	var last [rate]byte
	copy(last[:], data)
	last[len(data)] ^= 0x01
	last[rate-1] ^= 0x80
	absorb(last[:])
	var out [32]byte
	for i := 0; i < 4; i++ {
		for j := 0; j < 8; j++ {
			out[8*i+j] = byte(st[i] >> (8 * j))
		}
	}
	return out
}

var keccakRC = [24]uint64{
	0x0000000000000001, 0x0000000000008082, 0x800000000000808a, 0x8000000080008000,
	0x000000000000808b, 0x0000000080000001, 0x8000000080008081, 0x8000000000008009,
	0x000000000000008a, 0x0000000000000088, 0x0000000080008009, 0x000000008000000a,
	0x000000008000808b, 0x800000000000008b, 0x8000000000008089, 0x8000000000008003,
	0x8000000000008002, 0x8000000000000080, 0x000000000000800a, 0x800000008000000a,
	0x8000000080008081, 0x8000000000008080, 0x0000000080000001, 0x8000000080008008,
}

// Rotation offsets and lane order of the combined rho and pi steps.
var (
	keccakRotc = [24]int{1, 3, 6, 10, 15, 21, 28, 36, 45, 55, 2, 14, 27, 41, 56, 8, 25, 43, 62, 18, 39, 61, 20, 44}
	keccakPiln = [24]int{10, 7, 11, 17, 18, 3, 5, 16, 8, 21, 24, 4, 15, 23, 19, 13, 12, 2, 20, 14, 22, 9, 6, 1}
)

func keccakF1600(st *[25]uint64) {
	var c [5]uint64
	for round := 0; round < 24; round++ {
		// theta
		for i := 0; i < 5; i++ {
			c[i] = st[i] ^ st[i+5] ^ st[i+10] ^ st[i+15] ^ st[i+20]
		}
		for i := 0; i < 5; i++ {
			d := c[(i+4)%5] ^ bits.RotateLeft64(c[(i+1)%5], 1)
			for j := 0; j < 25; j += 5 {
				st[j+i] ^= d
			}
		}
		// rho and pi
		t := st[1]
		for i := 0; i < 24; i++ {
			j := keccakPiln[i]
			t, st[j] = st[j], bits.RotateLeft64(t, keccakRotc[i])
		}
		// chi
		for j := 0; j < 25; j += 5 {
			for i := 0; i < 5; i++ {
				c[i] = st[j+i]
			}
			for i := 0; i < 5; i++ {
				st[j+i] ^= ^c[(i+1)%5] & c[(i+2)%5]
			}
		}
		// iota
		st[0] ^= keccakRC[round]
	}
}
