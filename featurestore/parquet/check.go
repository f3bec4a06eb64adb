package parquet

import (
	"bytes"
	"encoding/binary"
	"fmt"
	"io"

	"github.com/parquet-go/parquet-go/encoding/thrift"
	"github.com/parquet-go/parquet-go/format"
)

// checkFooter checks the file's trailer: magic bytes at both ends and a
// footer length that fits the file. parquet-go allocates the claimed footer
// length before checking it.
func checkFooter(ra io.ReaderAt, size int64) error {
	if size < 12 {
		return fmt.Errorf("file of %d bytes is too short for Parquet", size)
	}
	var head, tail [8]byte
	if _, err := ra.ReadAt(head[:4], 0); err != nil {
		return fmt.Errorf("read header: %w", err)
	}
	if _, err := ra.ReadAt(tail[:], size-8); err != nil {
		return fmt.Errorf("read trailer: %w", err)
	}
	if string(head[:4]) != "PAR1" || string(tail[4:]) != "PAR1" {
		return fmt.Errorf("magic bytes %q…%q, want PAR1…PAR1", head[:4], tail[4:])
	}
	if n := int64(binary.LittleEndian.Uint32(tail[:4])); n > size-12 {
		return fmt.Errorf("footer of %d bytes in a file of %d", n, size)
	}
	return nil
}

// checkPages walks the page headers of every column chunk and checks that
// chunks lie inside the file and every page inside its chunk. parquet-go
// allocates a page's claimed size before reading it, so a damaged header
// could otherwise cost gigabytes of memory before the read fails.
func checkPages(ra io.ReaderAt, size int64, md *format.FileMetaData) error {
	var buf []byte
	proto := &thrift.CompactProtocol{}
	for g := range md.RowGroups {
		for c := range md.RowGroups[g].Columns {
			m := &md.RowGroups[g].Columns[c].MetaData
			start := m.DataPageOffset
			if d := m.DictionaryPageOffset; d > 0 && d < start {
				start = d
			}
			end := start + m.TotalCompressedSize
			if start < 4 || m.TotalCompressedSize < 0 || end > size || end < start {
				return fmt.Errorf("row group %d column %d: chunk [%d, %d) outside the file of %d bytes", g, c, start, end, size)
			}
			// Our columns hold at most 8 bytes per value plus levels.
			if limit := 64*md.RowGroups[g].NumRows + 1<<20; m.TotalUncompressedSize < 0 || m.TotalUncompressedSize > limit {
				return fmt.Errorf("row group %d column %d: %d bytes uncompressed for %d rows", g, c, m.TotalUncompressedSize, md.RowGroups[g].NumRows)
			}
			for pos := start; pos < end; {
				n := min(end-pos, 4096)
				if int64(cap(buf)) < n {
					buf = make([]byte, n)
				}
				b := buf[:n]
				if _, err := ra.ReadAt(b, pos); err != nil && err != io.EOF {
					return fmt.Errorf("row group %d column %d: read page header: %w", g, c, err)
				}
				r := bytes.NewReader(b)
				var h format.PageHeader
				if err := thrift.NewDecoder(proto.NewReader(r)).Decode(&h); err != nil {
					return fmt.Errorf("row group %d column %d: page header at %d: %w", g, c, pos, err)
				}
				hlen := n - int64(r.Len())
				if h.CompressedPageSize < 0 || h.UncompressedPageSize < 0 || pos+hlen+int64(h.CompressedPageSize) > end ||
					int64(h.UncompressedPageSize) > m.TotalUncompressedSize {
					return fmt.Errorf("row group %d column %d: page at %d claims %d bytes (%d uncompressed) in a chunk ending at %d",
						g, c, pos, h.CompressedPageSize, h.UncompressedPageSize, end)
				}
				pos += hlen + int64(h.CompressedPageSize)
			}
		}
	}
	return nil
}
