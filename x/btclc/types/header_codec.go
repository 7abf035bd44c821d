package types

import (
	"encoding/binary"

	collcodec "cosmossdk.io/collections/codec"

	"github.com/cosmos/cosmos-sdk/codec"
)

// HeaderInfoValue is the collections value codec of HeaderInfo. Its binary
// form is exactly HeaderInfo's protobuf encoding (header_codec_test.go pins
// that), written directly: the generated marshaller formats the math.Uint
// work in decimal up to four times per header (Size and MarshalTo each ask
// for it), which was a quarter of the cost of inserting a header. Decoding
// and JSON are the generated ones.
func HeaderInfoValue(cdc codec.BinaryCodec) collcodec.ValueCodec[HeaderInfo] {
	return headerInfoValue{ValueCodec: codec.CollValue[HeaderInfo](cdc)}
}

type headerInfoValue struct {
	collcodec.ValueCodec[HeaderInfo]
}

// Protobuf tags of HeaderInfo's fields: (field number << 3) | wire type.
const (
	tagHeader         = 1<<3 | 2 // bytes
	tagHeight         = 2<<3 | 0 // varint
	tagCumulativeWork = 3<<3 | 2 // bytes (decimal string)
)

func (headerInfoValue) Encode(v HeaderInfo) ([]byte, error) {
	var digits [80]byte // 2^256 has 78 decimal digits
	work := digits[:0]
	if v.CumulativeWork.IsNil() {
		work = append(work, '0')
	} else {
		work = v.CumulativeWork.BigIntMut().Append(work, 10) // reads, does not modify
	}
	buf := make([]byte, 0, 2*binary.MaxVarintLen64+len(v.Header)+len(work)+5)
	// Field order and the proto3 rules of the generated code: empty bytes and
	// a zero height are left out, the non-nullable work never is.
	if len(v.Header) > 0 {
		buf = append(buf, tagHeader)
		buf = binary.AppendUvarint(buf, uint64(len(v.Header)))
		buf = append(buf, v.Header...)
	}
	if v.Height != 0 {
		buf = append(buf, tagHeight)
		buf = binary.AppendUvarint(buf, v.Height)
	}
	buf = append(buf, tagCumulativeWork)
	buf = binary.AppendUvarint(buf, uint64(len(work)))
	buf = append(buf, work...)
	return buf, nil
}
