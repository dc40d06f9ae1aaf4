package dstack

import (
	"math/big"
)

// secp256k1Verify checks an ECDSA signature (64 bytes r‖s, low-S required as
// the agent produces) over a 32-byte digest with a compressed or
// uncompressed SEC1 public key.
//
// libdstack's C ABI has no plain secp256k1 verification (only recovery inside
// chain checks), and Go's standard library has no secp256k1 curve, so this
// one public-data operation is done here with math/big. It handles no secret,
// so constant time is not needed.
func secp256k1Verify(publicKey, digest, signature []byte) bool {
	if len(signature) != 64 || len(digest) != 32 {
		return false
	}
	qx, qy, ok := k256Decode(publicKey)
	if !ok {
		return false
	}
	r := new(big.Int).SetBytes(signature[:32])
	s := new(big.Int).SetBytes(signature[32:])
	if r.Sign() == 0 || s.Sign() == 0 || r.Cmp(k256N) >= 0 || s.Cmp(k256N) >= 0 {
		return false
	}
	if s.Cmp(k256HalfN) > 0 {
		return false
	}
	z := new(big.Int).SetBytes(digest)
	w := new(big.Int).ModInverse(s, k256N)
	u1 := new(big.Int).Mul(z, w)
	u1.Mod(u1, k256N)
	u2 := new(big.Int).Mul(r, w)
	u2.Mod(u2, k256N)
	x1, y1 := k256Mul(k256Gx, k256Gy, u1)
	x2, y2 := k256Mul(qx, qy, u2)
	x, _ := k256Add(x1, y1, x2, y2)
	if x == nil {
		return false
	}
	x.Mod(x, k256N)
	return x.Cmp(r) == 0
}

var (
	k256P, _  = new(big.Int).SetString("fffffffffffffffffffffffffffffffffffffffffffffffffffffffefffffc2f", 16)
	k256N, _  = new(big.Int).SetString("fffffffffffffffffffffffffffffffebaaedce6af48a03bbfd25e8cd0364141", 16)
	k256Gx, _ = new(big.Int).SetString("79be667ef9dcbbac55a06295ce870b07029bfcdb2dce28d959f2815b16f81798", 16)
	k256Gy, _ = new(big.Int).SetString("483ada7726a3c4655da4fbfc0e1108a8fd17b448a68554199c47d08ffb10d4b8", 16)
	k256HalfN = new(big.Int).Rsh(k256N, 1)
	k256B     = big.NewInt(7)
)

// k256Decode parses a SEC1 point and checks it is on the curve.
func k256Decode(b []byte) (*big.Int, *big.Int, bool) {
	switch {
	case len(b) == 33 && (b[0] == 2 || b[0] == 3):
		x := new(big.Int).SetBytes(b[1:])
		if x.Cmp(k256P) >= 0 {
			return nil, nil, false
		}
		// y² = x³ + 7; p ≡ 3 (mod 4) so y = (y²)^((p+1)/4).
		y2 := new(big.Int).Exp(x, big.NewInt(3), k256P)
		y2.Add(y2, k256B).Mod(y2, k256P)
		e := new(big.Int).Add(k256P, big.NewInt(1))
		e.Rsh(e, 2)
		y := new(big.Int).Exp(y2, e, k256P)
		if new(big.Int).Exp(y, big.NewInt(2), k256P).Cmp(y2) != 0 {
			return nil, nil, false
		}
		if y.Bit(0) != uint(b[0]&1) {
			y.Sub(k256P, y)
		}
		return x, y, true
	case len(b) == 65 && b[0] == 4:
		x := new(big.Int).SetBytes(b[1:33])
		y := new(big.Int).SetBytes(b[33:])
		if x.Cmp(k256P) >= 0 || y.Cmp(k256P) >= 0 {
			return nil, nil, false
		}
		lhs := new(big.Int).Exp(y, big.NewInt(2), k256P)
		rhs := new(big.Int).Exp(x, big.NewInt(3), k256P)
		rhs.Add(rhs, k256B).Mod(rhs, k256P)
		return x, y, lhs.Cmp(rhs) == 0
	}
	return nil, nil, false
}

// k256Add adds two affine points; nil stands for the point at infinity.
func k256Add(x1, y1, x2, y2 *big.Int) (*big.Int, *big.Int) {
	if x1 == nil {
		return x2, y2
	}
	if x2 == nil {
		return x1, y1
	}
	var l *big.Int
	if x1.Cmp(x2) == 0 {
		sum := new(big.Int).Add(y1, y2)
		if sum.Mod(sum, k256P).Sign() == 0 {
			return nil, nil
		}
		// λ = 3x² / 2y
		num := new(big.Int).Mul(x1, x1)
		num.Mul(num, big.NewInt(3))
		den := new(big.Int).Lsh(y1, 1)
		den.ModInverse(den, k256P)
		l = num.Mul(num, den)
	} else {
		num := new(big.Int).Sub(y2, y1)
		den := new(big.Int).Sub(x2, x1)
		den.Mod(den, k256P).ModInverse(den, k256P)
		l = num.Mul(num, den)
	}
	l.Mod(l, k256P)
	x3 := new(big.Int).Mul(l, l)
	x3.Sub(x3, x1).Sub(x3, x2).Mod(x3, k256P)
	y3 := new(big.Int).Sub(x1, x3)
	y3.Mul(y3, l).Sub(y3, y1).Mod(y3, k256P)
	return x3, y3
}

// k256Mul is double-and-add scalar multiplication.
func k256Mul(x, y, k *big.Int) (*big.Int, *big.Int) {
	var rx, ry *big.Int
	for i := k.BitLen() - 1; i >= 0; i-- {
		rx, ry = k256Add(rx, ry, rx, ry)
		if k.Bit(i) == 1 {
			rx, ry = k256Add(rx, ry, x, y)
		}
	}
	return rx, ry
}
