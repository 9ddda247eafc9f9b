/**
 * The runtime pieces the read models are written with. Imported by subpath, never through
 * '@pc/projections' itself: that index re-exports the catalog, which imports this library, and a
 * module cycle would hand the catalog half-initialised projections.
 */
export {
  defineProjection,
  type ApplyFn,
  type Projection,
  type ReadView,
} from '@pc/projections/definition/projection';
export {
  increment,
  patch,
  remove,
  removeWhere,
  upsert,
  type Change,
} from '@pc/projections/definition/changes';
export type { CellValue, Row } from '@pc/projections/definition/rows';
export type { ExtraDdlContext } from '@pc/projections/definition/schema';
