/** The catalog is loaded once by the platform (CATALOG_PATH) and shared by the pipeline and the views. */
export { CATALOG } from '../platform';
