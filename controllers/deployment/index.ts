// The Deployment controller (kube-controller-manager's "deployment-controller").
export { DeploymentController, DEPLOYMENT_CONTROLLER, createDeploymentController } from './controller.ts';
export { planDeployment, type DeploymentPlanInput } from './planner.ts';
export type { DeploymentAction, DeploymentPlan } from './plan.ts';
