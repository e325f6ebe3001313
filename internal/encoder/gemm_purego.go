//go:build !(openblas && cgo)

package encoder

// Backend names the matrix-product kernel this binary was built with.
const Backend = "purego"

func serialNT(m, n, k int, a []float32, lda int, b []float32, ldb int, c []float32, ldc int) {
	goSgemmNT(m, n, k, a, lda, b, ldb, c, ldc)
}

func sgemmNNSmall(m, n, k int, a []float32, lda int, b []float32, ldb int, c []float32, ldc int) {
	goSgemmNN(m, n, k, a, lda, b, ldb, c, ldc)
}

func attnNT(m, n, k int, a []float32, lda int, b []float32, ldb int, c []float32, ldc int) {
	goSgemmNT(m, n, k, a, lda, b, ldb, c, ldc)
}

func geluErfRows(xs []float32) { geluErf(xs) }

func softmaxRows(s []float32, rows, n int, scale float32) {
	for r := 0; r < rows; r++ {
		softmaxScaled(s[r*n:(r+1)*n], scale)
	}
}

func biasRows(y, b []float32, rows, n int) {
	for r := 0; r < rows; r++ {
		row := y[r*n : (r+1)*n]
		for j, v := range b[:n] {
			row[j] += v
		}
	}
}

func addNormRows(x, y, g, b []float32, rows, n int, eps float32) {
	for r := 0; r < rows; r++ {
		row := x[r*n : (r+1)*n]
		if y != nil {
			for j, v := range y[r*n : (r+1)*n] {
				row[j] += v
			}
		}
		layerNormRow(row, g, b, eps)
	}
}
